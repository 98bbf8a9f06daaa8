"""Settings from the environment: defaults, types, validation errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgi_api.server.settings import Settings, SettingsError


def test_defaults_put_a_sqlite_file_under_home(tmp_path: Path) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'asgi_api.db'}"
    assert settings.is_sqlite and settings.port == 4200 and settings.request_limit == 100
    assert settings.ui_serve_base == "/" and settings.api_auth_string is None


def test_environment_values_are_typed_and_overrides_win() -> None:
    environ = {"ASGI_API_PORT": "8080", "ASGI_API_CSRF_ENABLED": "true", "ASGI_API_REQUEST_LIMIT": "5",
               "ASGI_API_DATABASE_URL": "postgresql+asyncpg://user:pw@db/prefect"}
    settings = Settings.load(environ, port=9000)
    assert (settings.port, settings.csrf_enabled, settings.request_limit) == (9000, True, 5)
    assert not settings.is_sqlite
    assert settings.masked()["database_url"] == "postgresql+asyncpg://user:********@db/prefect"


def test_settings_are_hashable_values() -> None:
    assert hash(Settings.load({})) == hash(Settings.load({}))
    assert Settings.load({}, port=1) != Settings.load({}, port=2)


@pytest.mark.parametrize(("environ", "named"), [
    ({"ASGI_API_PORT": "http"}, "ASGI_API_PORT"),
    ({"ASGI_API_PORT": "70000"}, "ASGI_API_PORT"),
    ({"ASGI_API_REQUEST_LIMIT": "0"}, "ASGI_API_REQUEST_LIMIT"),
    ({"ASGI_API_DEBUG": "maybe"}, "ASGI_API_DEBUG"),
    ({"ASGI_API_DATABASE_URL": "mysql://x"}, "ASGI_API_DATABASE_URL"),
    ({"ASGI_API_UI_SERVE_BASE": "prefix"}, "ASGI_API_UI_SERVE_BASE"),
])
def test_invalid_values_name_their_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.load(environ)


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql+asyncpg://:secret@h/db", "postgresql+asyncpg://:********@h/db"),
    ("postgresql+asyncpg://user:p@ss@h/db", "postgresql+asyncpg://user:********@h/db"),
    ("postgresql+asyncpg://user:p/w@h:5432/db", "postgresql+asyncpg://user:********@h:5432/db"),
    ("postgresql+asyncpg://user@h/db?password=secret&ssl=require",
     "postgresql+asyncpg://user@h/db?password=********&ssl=require"),
    ("postgresql+asyncpg://u:pw@h/db?sslpassword=key", "postgresql+asyncpg://u:********@h/db?sslpassword=********"),
    ("postgresql+asyncpg://user@h/db", "postgresql+asyncpg://user@h/db"),
    ("sqlite+aiosqlite:////home/me@work/asgi_api.db", "sqlite+aiosqlite:////home/me@work/asgi_api.db"),
])
def test_masked_hides_every_password_in_the_database_url(url: str, masked: str) -> None:
    settings = Settings.load({"ASGI_API_DATABASE_URL": url})
    assert settings.masked()["database_url"] == masked
    assert "secret" not in str(settings.masked()) and "p@ss" not in str(settings.masked())


def test_masked_hides_the_auth_string() -> None:
    assert Settings.load({"ASGI_API_API_AUTH_STRING": "admin:pw"}).masked()["api_auth_string"] == "********"

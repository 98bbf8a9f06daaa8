"""Server settings: a frozen msgspec Struct read from `ASGI_API_*` environment variables.

Frozen (hence hashable) so that `create_app` can cache one app per settings value. Values are
validated when they are read; a bad one stops start-up with an error naming its variable.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

PREFIX = "ASGI_API_"
_DATABASE_SCHEMES = ("sqlite+aiosqlite", "sqlite", "postgresql+asyncpg", "postgresql")


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the environment variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the server reads from its environment. Build it with `Settings.load()`."""

    home: str = str(Path("~/.asgi_api").expanduser())
    database_url: str = ""  # empty: a SQLite file `asgi_api.db` under `home`
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 4200
    keep_alive_timeout: Annotated[int, msgspec.Meta(ge=1)] = 5  # seconds an idle connection stays open
    ui_enabled: bool = True
    # Which UI: "asgi_api" (this package's), "prefect" (the build inside the installed `prefect`
    # package, as Prefect's own server serves it) or the directory of a UI build.
    ui: str = "asgi_api"
    ui_serve_base: str = "/"
    ui_static_dir: str = ""  # empty: a cache directory under `home`
    api_auth_string: str | None = None
    csrf_enabled: bool = False
    # What `GET /admin/version` reports: Prefect clients refuse a server of another major version
    # and warn about an older one, so this follows the newest Prefect 3 release.
    prefect_server_version: str = "3.9.1"
    cors_allowed_origins: str = "*"
    cors_allowed_methods: str = "*"
    cors_allowed_headers: str = "*"
    request_limit: Annotated[int, msgspec.Meta(ge=1)] = 100  # concurrent requests on SQLite
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1)] = 10 * 1024 * 1024
    request_body_timeout: Annotated[float, msgspec.Meta(gt=0)] = 30.0  # seconds to send a whole body, else 408
    # How long stored events are kept (seconds; Prefect's default: 7 days); older ones are deleted.
    events_retention_period: Annotated[float, msgspec.Meta(gt=0)] = 7 * 24 * 3600.0
    websocket_auth_timeout: Annotated[float, msgspec.Meta(gt=0)] = 10.0  # seconds to a websocket's first frame
    services_enabled: bool = True  # false: the API without background work (one-off runs, a second process)
    log_retryable_errors: bool = False
    debug: bool = False

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `ASGI_API_*` variables (default: `os.environ`), then keyword overrides."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.__struct_fields__:
            if PREFIX + name.upper() in environ:
                values[name] = environ[PREFIX + name.upper()]
        values.update({name: value for name, value in overrides.items() if value is not None})
        try:
            settings = msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(_explain(exc)) from None
        if not settings.database_url:
            settings = msgspec.structs.replace(
                settings, database_url=f"sqlite+aiosqlite:///{Path(settings.home) / 'asgi_api.db'}")
        scheme = settings.database_url.split("://", 1)[0]
        if scheme not in _DATABASE_SCHEMES:
            raise SettingsError(f"{PREFIX}DATABASE_URL: unsupported scheme {scheme!r}; "
                                f"expected one of {', '.join(_DATABASE_SCHEMES)}")
        if settings.ui_enabled and ui_directory(settings.ui) is None:
            raise SettingsError(f"{PREFIX}UI: {settings.ui!r} is no UI: give asgi_api, prefect (with a `prefect` "
                                "package installed beside this one) or a directory holding a UI build's index.html")
        if not settings.ui_serve_base.startswith("/"):
            raise SettingsError(f"{PREFIX}UI_SERVE_BASE: must start with '/', got {settings.ui_serve_base!r}")
        return settings

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def masked(self) -> dict[str, Any]:
        """The settings as a dict with secrets hidden, for `/admin/settings` and logs."""
        values = msgspec.structs.asdict(self)
        if values["api_auth_string"]:
            values["api_auth_string"] = "********"
        values["database_url"] = mask_url(values["database_url"])
        return values


def ui_directory(ui: str) -> Path | None:
    """The directory of the UI build `ui` names, or None when there is none. "prefect" is found
    without importing the package (importing Prefect takes seconds and configures logging)."""
    if ui == "asgi_api":
        directory = Path(__file__).resolve().parent / "static"
    elif ui == "prefect":
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            return None
        directory = Path(next(iter(spec.submodule_search_locations))) / "server" / "ui"
    else:
        directory = Path(ui).expanduser()
    return directory.resolve() if (directory / "index.html").is_file() else None


_MASK = "********"
_SECRET_PARAMETER = re.compile(r"([?&][^=&]*password[^=&]*=)[^&]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """`url` with the password hidden: in the user info (also with no user name, and with an
    unencoded `@` in the password: the host follows the last `@`) and in `...password=` parameters."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    rest, question, query = rest.partition("?")
    at = rest.rfind("@")
    if at >= 0 and not rest.startswith("/"):  # a file path (SQLite) has no user info
        user, colon, _ = rest[:at].partition(":")
        rest = f"{user}:{_MASK}{rest[at:]}" if colon else rest
    return f"{scheme}://{rest}" + _SECRET_PARAMETER.sub(rf"\1{_MASK}", question + query)


def _explain(exc: msgspec.ValidationError) -> str:
    """'Expected `int` >= 1 - at `$.request_limit`' -> 'ASGI_API_REQUEST_LIMIT: Expected `int` >= 1'."""
    message, _, where = str(exc).partition(" - at `$.")
    name = where.rstrip("`")
    return f"{PREFIX}{name.upper()}: {message}" if name else message

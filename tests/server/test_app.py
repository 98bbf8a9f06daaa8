"""The app factories: API routes, version check, auth, caching, CORS, the /api-prefixed schema."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import anyio
import pytest
from starlette.testclient import TestClient

from asgi_api import APIRouter, Depends
from asgi_api.server import services
from asgi_api.server.api import API_ROUTERS
from asgi_api.server.app import create_api_app, create_app
from asgi_api.server.settings import Settings, SettingsError
from asgi_api.server.versions import API_VERSION


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load({"ASGI_API_HOME": str(tmp_path)})


@pytest.fixture
def probe_router(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A router registered in asgi_api.server.api for the duration of a test."""
    seen: list[str] = []
    router = APIRouter(prefix="/probe", tags=["Probe"])

    @router.post("/")
    async def probe(value: int) -> int:
        return value

    monkeypatch.setattr("asgi_api.server.app.API_ROUTERS", [*API_ROUTERS, router])
    return seen


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def test_health_and_version(settings: Settings) -> None:
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/api/health").json() is True
        assert client.get("/api/version").json() == API_VERSION
        assert client.get("/api/nothing").json() == {"detail": "Not Found"}


def test_api_version_header_is_checked_on_routers(settings: Settings, probe_router: list[str]) -> None:
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.post("/api/probe/?value=1").json() == 1
        assert client.post("/api/probe/?value=1", headers={"X-PREFECT-API-VERSION": "0.8.4"}).json() == 1
        old = client.post("/api/probe/?value=1", headers={"X-PREFECT-API-VERSION": "0.7.9"})
        assert (old.status_code, old.json()) == (400, {"detail": "The request specified API version 0.7.9 but "
                                                                 "this server requires version 0.8.0 or higher."})
        garbled = client.post("/api/probe/?value=1", headers={"X-PREFECT-API-VERSION": "latest"})
        assert garbled.status_code == 400 and "Expected header in format 'x.y.z'" in garbled.json()["detail"]
        # health and version are outside the routers: no version check there
        assert client.get("/api/health", headers={"X-PREFECT-API-VERSION": "0.1.0"}).status_code == 200


def test_extra_dependencies_apply_to_every_router(settings: Settings, probe_router: list[str]) -> None:
    calls: list[str] = []
    app = create_api_app([Depends(lambda: calls.append("dep"))], settings=settings)
    with TestClient(app) as client:
        assert client.post("/probe/?value=3").json() == 3
    assert calls == ["dep"]


def test_auth_string_requires_basic_credentials(tmp_path: Path, probe_router: list[str]) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_API_AUTH_STRING": "admin:s3cret"})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/api/health").status_code == 200
        for headers in ({}, basic("admin:wrong"), {"Authorization": "Bearer admin:s3cret"},
                        {"Authorization": "Basic !!notbase64"}):
            response = client.post("/api/probe/?value=1", headers=headers)
            assert (response.status_code, response.json()) == (401, {"exception_message": "Unauthorized"})
        assert client.post("/api/probe/?value=1", headers=basic("admin:s3cret")).json() == 1
        assert client.get("/api/version").status_code == 401
        assert client.head("/api/health").status_code == 200  # probes may use HEAD: exempt like GET
        assert client.head("/api/version").status_code == 401


def test_security_headers_on_the_api_the_ui_and_errors(settings: Settings) -> None:
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        for response in (client.get("/api/health"), client.get("/"), client.get("/api/flows/nope"),
                         client.post("/api/flows/", content=b"x" * (settings.max_body_bytes + 1))):
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            policy = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        docs = client.get("/api/docs").headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in docs and "frame-ancestors 'none'" in docs


def test_apps_are_cached_per_settings(settings: Settings, tmp_path: Path) -> None:
    first = create_app(settings)
    assert create_app(settings) is first
    assert create_app(settings, ephemeral=True) is not first
    assert create_app(settings, ignore_cache=True) is not first
    assert create_app(Settings.load({"ASGI_API_HOME": str(tmp_path)}, port=1234)) is not first


def test_openapi_paths_are_prefixed_with_api(settings: Settings, probe_router: list[str]) -> None:
    document = create_app(settings, ignore_cache=True).openapi()
    assert {"/api/health", "/api/version", "/api/probe/"} <= set(document["paths"])
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert "/probe/" in client.get("/api/openapi.json").json()["paths"]
        assert client.get("/api/docs").status_code == 200


def test_cors_from_settings(tmp_path: Path) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_CORS_ALLOWED_ORIGINS": "http://ui.example"})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        allowed = client.get("/api/health", headers={"Origin": "http://ui.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://ui.example"
        other = client.get("/api/health", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_oversized_body_is_413(tmp_path: Path, probe_router: list[str]) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_MAX_BODY_BYTES": "100"})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        response = client.post("/api/probe/?value=1", content=b"x" * 1000, headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert response.json() == {"detail": "Content Too Large"}
        chunked = client.post("/api/probe/?value=1", content=iter([b"x" * 60, b"x" * 60]),
                              headers={"content-type": "application/json"})
        assert chunked.status_code == 413
        assert chunked.json() == {"detail": "Content Too Large"}


def test_services_run_during_the_lifespan_and_failures_do_not_stop_the_server() -> None:
    runs: list[str] = []

    class Ticker(services.Service):
        interval = 0.01

        async def run_once(self) -> None:
            runs.append("tick")

    class Broken(services.Service):
        interval = 0.01

        async def run_once(self) -> None:
            runs.append("broken")
            raise RuntimeError("boom")

    async def main() -> None:
        async with services.running([Ticker(), Broken()]):
            with anyio.fail_after(5):
                while runs.count("tick") < 3 or runs.count("broken") < 3:
                    await anyio.sleep(0.01)
        count = len(runs)
        await anyio.sleep(0.05)
        assert len(runs) == count  # stopped on exit

    anyio.run(main)


@pytest.mark.parametrize(("environ", "ephemeral", "runs_services"), [
    ({}, False, True), ({"ASGI_API_SERVICES_ENABLED": "false"}, False, False), ({}, True, False)])
def test_services_run_unless_disabled_or_ephemeral(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   environ: dict[str, str], ephemeral: bool,
                                                   runs_services: bool) -> None:
    started = anyio.Event()

    class Marker(services.Service):
        async def run_once(self) -> None:
            started.set()

    monkeypatch.setattr("asgi_api.server.app.background_services", lambda settings, database: [Marker()])
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), **environ})
    with TestClient(create_app(settings, ephemeral=ephemeral, ignore_cache=True)) as client:
        assert client.get("/api/health").json() is True
        # The service task starts within the lifespan's first scheduling round, before any request.
        assert client.portal.call(lambda: started.is_set()) is runs_services


@pytest.fixture
def ui_source(tmp_path: Path) -> Path:
    """A one-page UI whose links carry the base-path placeholder (served with `ASGI_API_UI` = it)."""
    source = tmp_path / "ui-source"
    (source / "assets").mkdir(parents=True)
    (source / "index.html").write_text(
        '<script src="/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/app.js"></script>')
    (source / "assets" / "app.js").write_text("console.log('ui')")
    return source


@pytest.mark.parametrize(("base", "prefix"), [("/", ""), ("/prefix/", "/prefix")])
def test_the_ui_is_served_at_its_base_path(tmp_path: Path, ui_source: Path, base: str, prefix: str) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path / "home"), "ASGI_API_UI_SERVE_BASE": base,
                              "ASGI_API_UI": str(ui_source)})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        index = client.get(f"{prefix}/")
        assert index.status_code == 200
        assert f'src="{prefix}/assets/app.js"' in index.text
        assert client.get(f"{prefix}/runs/123").text == index.text  # a deep link loads the app
        assert client.get(f"{prefix}/assets/app.js").text == "console.log('ui')"
        assert client.get(f"{prefix}/assets/missing.js").status_code == 404
        assert client.get("/api/health").json() is True  # the API is not shadowed by the UI
        assert client.get(f"{prefix}/ui-settings").json() == {
            "api_url": "/api", "csrf_enabled": False, "auth": None, "flags": []}
    assert (ui_source / "index.html").read_text().count("PLACEHOLDER") == 1  # the source is untouched


def test_ui_settings_announce_basic_auth_and_csrf(tmp_path: Path, ui_source: Path) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_API_AUTH_STRING": "admin:pass",
                              "ASGI_API_CSRF_ENABLED": "true", "ASGI_API_UI": str(ui_source)})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/ui-settings").json()["auth"] == "BASIC"
        assert client.get("/ui-settings").json()["csrf_enabled"] is True


@pytest.mark.parametrize(("environ", "ephemeral"), [({"ASGI_API_UI_ENABLED": "false"}, False), ({}, True)])
def test_no_ui_when_disabled_or_ephemeral(tmp_path: Path, ui_source: Path, environ: dict[str, str],
                                          ephemeral: bool) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_UI": str(ui_source), **environ})
    with TestClient(create_app(settings, ephemeral=ephemeral, ignore_cache=True)) as client:
        assert client.get("/").status_code == 404
        assert client.get("/api/health").json() is True


def test_the_server_layers_public_names_resolve() -> None:
    import asgi_api.server

    for name in asgi_api.server.__all__:
        assert getattr(asgi_api.server, name) is not None, name


def test_the_lifespan_opens_and_migrates_the_database(tmp_path: Path) -> None:
    import sqlite3

    settings = Settings.load({"ASGI_API_HOME": str(tmp_path / "home")})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/api/health").json() is True
    with sqlite3.connect(tmp_path / "home" / "asgi_api.db") as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"flow", "flow_run", "task_run", "log", "variable"} <= tables


def test_an_edited_ui_is_copied_again(tmp_path: Path, ui_source: Path) -> None:
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path / "home"), "ASGI_API_UI": str(ui_source)})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/assets/app.js").text == "console.log('ui')"
    (ui_source / "assets" / "app.js").write_text("console.log('edited')")
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert client.get("/assets/app.js").text == "console.log('edited')"


def test_the_ui_is_prefects_own_build_from_an_installed_prefect(tmp_path: Path, ui_source: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`ASGI_API_UI=prefect` serves the UI build inside the `prefect` package the import system
    finds (here a package holding `ui_source` as its `server/ui`); none found stops start-up."""
    site = tmp_path / "site"
    shutil.copytree(ui_source, site / "prefect" / "server" / "ui")
    (site / "prefect" / "__init__.py").write_text("raise ImportError('found, never imported')")
    with pytest.raises(SettingsError, match="ASGI_API_UI: 'prefect' is no UI"):
        Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_UI": "prefect"})
    monkeypatch.syspath_prepend(str(site))
    settings = Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_UI": "prefect"})
    with TestClient(create_app(settings, ignore_cache=True)) as client:
        assert 'src="/assets/app.js"' in client.get("/").text
    with pytest.raises(SettingsError, match="ASGI_API_UI: 'nowhere' is no UI"):
        Settings.load({"ASGI_API_HOME": str(tmp_path), "ASGI_API_UI": "nowhere"})
    # With the UI off, no UI needs to be found.
    assert Settings.load({"ASGI_API_UI": "nowhere", "ASGI_API_UI_ENABLED": "false"}).ui == "nowhere"


@pytest.mark.parametrize("module", ["asgi_api.server.api", "asgi_api.server", "asgi_api.server.app",
                                    "asgi_api.server.database"])
def test_each_layer_imports_on_its_own(module: str) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


_SQLITE_SERVER = """
import sys
from starlette.testclient import TestClient
from asgi_api.server.app import create_app
from asgi_api.server.settings import Settings

with TestClient(create_app(Settings.load({{"ASGI_API_HOME": {home!r}, "ASGI_API_DATABASE_URL": ""}}))) as client:
    assert client.get("/api/health").status_code == 200
    assert client.post("/api/flows/filter", json={{}}).status_code == 200
print(sorted(name for name in sys.modules if name.split(".")[0] in {{"asyncpg", "jsonschema", "croniter", "pydantic"}}
             or name.startswith("sqlalchemy.dialects.postgresql")))
"""


def test_a_sqlite_server_starts_without_the_postgresql_driver_or_rarely_used_libraries(tmp_path: Path) -> None:
    """Start-up time and memory: asyncpg and SQLAlchemy's PostgreSQL dialect are for PostgreSQL URLs,
    jsonschema for enforced parameter schemas, croniter for cron schedules; each loads when first needed."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _SQLITE_SERVER.format(home=str(tmp_path))], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[-2] == "[]"

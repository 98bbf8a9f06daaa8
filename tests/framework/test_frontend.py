"""`frontend()`: a build directory served after every route, with FastAPI 0.165's fallbacks, on both frameworks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import NoMatchFound
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response, WebSocket
from tests.framework.parity import call, parity_test

BUILDS = Path(__file__).parent / "frontend_builds"
SITE, ADMIN = BUILDS / "site", BUILDS / "admin"  # site: no 404.html; admin: index.html and 404.html
HTML = {"accept": "text/html"}


def build(fw: Any) -> Any:
    def session(request: Request, response: Response) -> None:  # Starlette's, as in both frameworks
        if request.headers.get("x-session") == "bad":
            raise fw.HTTPException(401)
        response.headers["x-frontend"] = "dependency"

    app = fw.API(dependencies=[fw.Depends(session)])

    @app.get("/api/items")
    def items() -> dict[str, str]:
        return {"source": "api"}

    @app.get("/docs-like/")
    def slashed() -> dict[str, str]:
        return {"source": "slashed"}

    app.frontend("/", directory=SITE, fallback="index.html")
    admin = fw.APIRouter()
    admin.frontend("/", directory=ADMIN)
    app.include_router(admin, prefix="/admin")
    plain = fw.APIRouter(prefix="/raw")
    plain.frontend("/files/", directory=SITE, fallback=None)
    app.include_router(plain)
    return app


test_frontend_parity = parity_test(build, [
    call("GET", "/api/items", 200, id="a route wins over a file path"),
    call("POST", "/api/items", 405, id="a route's method mismatch wins"),
    call("GET", "/docs-like", 307, id="a route's slash redirect wins"),
    call("GET", "/", 200, id="root index"),
    call("GET", "/assets/app.js", 200, headers_compared=["content-length"], id="an asset"),
    call("HEAD", "/assets/app.js", 200, headers_compared=["content-length"], id="HEAD of an asset"),
    call("GET", "/about", 307, id="directory index redirects to the slashed URL"),
    call("GET", "/about/", 200, id="directory index"),
    call("GET", "/dashboard/settings", 200, headers=HTML, id="navigation falls back to index.html"),
    call("GET", "/dashboard", 200, headers={"accept": "application/xhtml+xml;q=0.5"}, id="xhtml navigation"),
    call("GET", "/dashboard", 200, headers={"accept": "text/html; q=wat"}, id="unparsable q counts as 1"),
    call("GET", "/dashboard", 404, headers={"accept": "text/html;q=0, */*"}, id="html refused"),
    call("GET", "/assets/missing.js", 404, headers={"accept": "*/*"}, id="missing asset is 404"),
    call("GET", "/dashboard", 404, id="no Accept: no fallback"),
    call("POST", "/assets/app.js", 405, id="POST to a file"),
    call("POST", "/", 405, id="POST to the index"),
    call("POST", "/empty/", 404, id="POST to a directory without index"),
    call("DELETE", "/dashboard", 404, headers=HTML, id="other methods never fall back"),
    call("GET", "/%2e%2e/secret.txt", 404, id="traversal"),
    call("GET", "/..%2f..%2fetc/passwd", 404, id="encoded traversal"),
    call("GET", "/", 401, headers={"x-session": "bad"}, id="dependencies guard the files"),
    call("GET", "/admin/settings", 404, headers=HTML, id="auto prefers 404.html"),
    call("GET", "/admin/", 200, id="included under its prefix"),
    call("GET", "/administrator", 200, headers=HTML, id="prefixes match whole segments (site fallback)"),
    call("GET", "/raw/files/assets/app.js", 200, id="router prefix and frontend path"),
    call("GET", "/raw/files/nothing", 404, headers=HTML, id="fallback None"),
    call("GET", "/", 304, headers={"if-none-match": "*"}, id="conditional GET"),
])


def test_frontend_routes_stay_out_of_openapi_and_url_path_for() -> None:
    app = API()

    @app.get("/api", name="read_api")
    def read_api() -> dict[str, bool]:
        return {"ok": True}

    app.frontend("/", directory=SITE)
    assert set(TestClient(app).get("/openapi.json").json()["paths"]) == {"/api"}
    assert app.url_path_for("read_api") == "/api"
    with pytest.raises(NoMatchFound):
        app.url_path_for("frontend")


def test_longest_prefix_wins_and_websockets_are_unaffected() -> None:
    app = API()
    app.frontend("/", directory=SITE, fallback="index.html")
    app.frontend("/admin", directory=ADMIN, fallback="index.html")

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("socket")
        await websocket.close()

    client = TestClient(app)
    assert client.get("/admin/x", headers=HTML).text == "admin shell"
    assert client.get("/x", headers=HTML).text == "site shell"
    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "socket"


def test_dependencies_run_in_nesting_order_with_overrides_headers_and_background() -> None:
    calls: list[str] = []

    def record(name: str) -> Any:
        return lambda: calls.append(name)

    def guarded() -> None:
        raise HTTPException(401)

    def with_response(response: Response, tasks: BackgroundTasks) -> None:
        response.set_cookie("seen", "yes")
        tasks.add_task(calls.append, "background")

    child = APIRouter(dependencies=[Depends(record("child")), Depends(guarded)])
    child.frontend("/ui", directory=SITE)
    parent = APIRouter(dependencies=[Depends(record("parent"))])
    parent.include_router(child, prefix="/child", dependencies=[Depends(record("parent-include"))])
    app = API(dependencies=[Depends(record("app")), Depends(with_response)])
    app.include_router(parent, prefix="/parent", dependencies=[Depends(record("app-include"))])
    app.dependency_overrides[guarded] = record("override")

    response = TestClient(app).get("/parent/child/ui/")
    assert (response.status_code, response.text, response.cookies["seen"]) == (200, "site shell", "yes")
    assert calls == ["app", "app-include", "parent", "parent-include", "child", "override", "background"]

    calls.clear()
    assert TestClient(app).post("/parent/child/ui/assets/app.js").status_code == 405
    assert calls == [], "no dependency runs for a refused method"


def test_dependency_validation_error_is_a_422() -> None:
    def needs_token(token: str) -> None:
        pass

    app = API(dependencies=[Depends(needs_token)])
    app.frontend("/", directory=SITE)
    response = TestClient(app).get("/")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "token"]
    assert TestClient(app).get("/?token=t").text == "site shell"


def test_paths_are_matched_below_the_root_path() -> None:
    app = API()
    app.frontend("/app", directory=SITE)
    response = TestClient(app, root_path="/proxy").get("/app/assets/app.js")
    assert (response.status_code, response.text) == (200, "console.log('ok')")


def test_invalid_arguments_are_refused_when_declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = API()
    for path in ("", "app"):
        with pytest.raises(AssertionError, match="frontend path"):
            app.frontend(path, directory=SITE)
    with pytest.raises(AssertionError, match="fallback"):
        app.frontend("/", directory=SITE, fallback="nope")  # type: ignore[arg-type]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="does not exist") as missing:
        app.frontend("/", directory="missing")
    assert str(tmp_path / "missing") in str(missing.value)
    (tmp_path / "dist").mkdir()
    with pytest.raises(RuntimeError, match="fallback file 'index.html' does not exist in directory 'dist'"):
        app.frontend("/", directory="dist", fallback="index.html")


def test_check_dir_auto_only_warns_in_development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_ENV", "development")
    app = API()
    with pytest.warns(UserWarning, match="does not exist") as warned:
        app.frontend("/", directory=tmp_path / "dist", fallback="404.html")
    assert warned[0].filename == __file__
    with pytest.warns(UserWarning) as warned:
        APIRouter().frontend("/", directory=tmp_path / "dist")
    assert warned[0].filename == __file__
    with pytest.raises(RuntimeError, match="does not exist"):
        TestClient(app).get("/x")  # the build is still missing at request time: a server error

    (tmp_path / "dist").mkdir()
    with pytest.raises(RuntimeError, match="fallback file '404.html'"):
        TestClient(app).get("/x")
    (tmp_path / "dist" / "404.html").write_text("late build")
    assert TestClient(app).get("/x").text == "late build"
    monkeypatch.setenv("FASTAPI_ENV", "production")
    with pytest.raises(RuntimeError, match="does not exist"):
        app.frontend("/", directory=tmp_path / "other")


def test_symlinks_out_of_the_build_are_not_served(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", dist / "secret.txt")
    app = API()
    app.frontend("/", directory=dist)
    response = TestClient(app).get("/secret.txt")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}

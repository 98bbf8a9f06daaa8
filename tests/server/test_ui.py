"""The UI: SPAStaticFiles (deep links, assets, no escapes), placeholder replacement, the UI cache."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from asgi_api.server import ui
from asgi_api.server.ui import (
    UI_SERVE_BASE_PLACEHOLDER,
    normalise_base_path,
    prepare_ui_directory,
    replace_placeholder_string_in_files,
)
from asgi_api.staticfiles import SPAStaticFiles

INDEX = b"<!doctype html><title>the app</title>"
APP_JS = b"console.log('app')"
SECRET = b"TOP-SECRET-OUTSIDE-THE-UI"
PH = UI_SERVE_BASE_PLACEHOLDER


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A served directory, with secrets next to it (one in a sibling whose name it prefixes)."""
    root = tmp_path / "site"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app.js").write_bytes(APP_JS)
    (root / "assets" / "style.css").write_bytes(b"body { margin: 0 }")
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    (tmp_path / "secret").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "site-private").mkdir()
    (tmp_path / "site-private" / "passwd").write_bytes(SECRET)
    return root


def spa_app(directory: Path, prefix: str = "") -> Starlette:
    return Starlette(routes=[Mount(prefix or "/", app=SPAStaticFiles(directory=directory))])


def raw_request(app: Any, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Drive the app with `path` exactly as given: no client normalises `..` or encodings away."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode("utf-8"), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"test")], "server": ("test", 80), "client": ("127.0.0.1", 1),
    }
    result: dict[str, Any] = {"body": b""}

    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if requested:  # the client stays connected until the response is complete
            await anyio.sleep_forever()
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            result["status"] = message["status"]
            result["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            result["body"] += message.get("body", b"")

    async def run() -> None:
        await app(scope, receive, send)

    anyio.run(run)
    return result["status"], result["headers"], result["body"]


# --- SPAStaticFiles: pages and assets --------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "/ui"])
@pytest.mark.parametrize("route", ["/", "/flows", "/runs/123", "/runs/flow-run/abc/", "/.well-known"])
def test_client_side_routes_get_the_index(site: Path, prefix: str, route: str) -> None:
    response = TestClient(spa_app(site, prefix)).get(prefix + route)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == INDEX


def test_head_on_a_deep_link_gets_the_index_headers_without_body(site: Path) -> None:
    response = TestClient(spa_app(site)).head("/runs/123")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-length"] == str(len(INDEX))
    assert response.content == b""


@pytest.mark.parametrize(("path", "content_type", "body"), [
    ("/index.html", "text/html", INDEX),
    ("/assets/app.js", "javascript", APP_JS),
    ("/assets/style.css", "text/css", b"body { margin: 0 }"),
    ("/favicon.ico", "image/", b"\x00\x00\x01\x00"),
])
def test_existing_files_are_served_with_their_content_type(site: Path, path: str, content_type: str,
                                                           body: bytes) -> None:
    response = TestClient(spa_app(site)).get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert response.content == body


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", ["/assets/missing.js", "/missing.ico", "/runs/123/logo.png", "/assets/app.js/"])
def test_a_missing_asset_is_a_404_not_the_index(site: Path, method: str, path: str) -> None:
    (site / "assets" / "app.js").unlink()
    response = TestClient(spa_app(site)).request(method, path)
    assert response.status_code == 404
    assert INDEX not in response.content


@pytest.mark.parametrize("path", ["/runs/123", "/assets/app.js"])
def test_other_methods_are_405(site: Path, path: str) -> None:
    response = TestClient(spa_app(site)).post(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_a_deep_link_without_an_index_is_a_404(site: Path) -> None:
    (site / "index.html").unlink()
    assert TestClient(spa_app(site)).get("/runs/123").status_code == 404


# --- SPAStaticFiles: nothing outside the directory -------------------------------------------------

def traversal_attempts(tmp_path: Path) -> list[str]:
    absolute = str(tmp_path / "secret")
    return [
        "/../secret", "/../../secret", "/assets/../../secret", "/./../secret", "/../site-private/passwd",
        "/runs/../index.html",
        "/%2e%2e/secret", "/%2E%2E/%2e%2e/secret", "/.%2e/secret", "/..%2fsecret", "/..%2Fsecret",
        "/assets%2F..%2F..%2Fsecret",
        "/" + absolute, "//" + absolute.lstrip("/"), absolute.lstrip("/"), "../secret",
        "/..\\secret", "/..\\..\\secret", "/assets\\..\\..\\secret.txt", "/%5c..%5csecret.txt",
        "/secret\x00", "/index.html\x00", "/%00", "/..%00/secret",
    ]


@pytest.mark.parametrize("prefix", ["", "/ui"])
def test_every_traversal_attempt_is_a_404(site: Path, tmp_path: Path, prefix: str) -> None:
    app = spa_app(site, prefix)
    for attack in traversal_attempts(tmp_path):
        for method in ("GET", "HEAD"):
            status, _, body = raw_request(app, prefix + attack, method)
            assert (status, SECRET in body, INDEX in body) == (404, False, False), attack


def test_an_absolute_looking_route_is_a_client_route_never_the_file(site: Path, tmp_path: Path) -> None:
    status, _, body = raw_request(spa_app(site), str(tmp_path / "secret"))
    assert (status, body) == (200, INDEX)


@pytest.mark.parametrize("link", ["leak", "leak.txt"])
def test_a_symlink_to_a_file_outside_is_a_404(site: Path, tmp_path: Path, link: str) -> None:
    (site / link).symlink_to(tmp_path / ("secret.txt" if link.endswith(".txt") else "secret"))
    for method in ("GET", "HEAD"):
        status, _, body = raw_request(spa_app(site), "/" + link, method)
        assert (status, SECRET in body, INDEX in body) == (404, False, False)


@pytest.mark.parametrize("path", ["/private/passwd", "/private/", "/private/nothing-here"])
def test_a_symlinked_directory_outside_is_a_404(site: Path, tmp_path: Path, path: str) -> None:
    (site / "private").symlink_to(tmp_path / "site-private", target_is_directory=True)
    status, _, body = raw_request(spa_app(site), path)
    assert (status, SECRET in body, INDEX in body) == (404, False, False)


def test_symlinks_to_files_and_directories_inside_are_served(site: Path) -> None:
    (site / "alias.js").symlink_to(site / "assets" / "app.js")
    (site / "static").symlink_to(site / "assets", target_is_directory=True)
    client = TestClient(spa_app(site))
    assert client.get("/alias.js").content == APP_JS
    assert client.get("/static/app.js").content == APP_JS


def test_a_symlink_loop_is_a_404_not_a_500(site: Path) -> None:
    (site / "loop").symlink_to(site / "loop")
    (site / "loop.js").symlink_to(site / "loop.js")
    for path in ("/loop", "/loop.js", "/loop/deeper"):
        assert raw_request(spa_app(site), path)[0] == 404, path


def test_a_directory_given_through_a_symlink_serves_only_its_files(site: Path, tmp_path: Path) -> None:
    (tmp_path / "current").symlink_to(site, target_is_directory=True)
    app = spa_app(tmp_path / "current")
    assert raw_request(app, "/assets/app.js")[2] == APP_JS
    assert raw_request(app, "/runs/1")[2] == INDEX
    assert raw_request(app, "/../secret")[0] == 404


# --- replace_placeholder_string_in_files -----------------------------------------------------------

def test_the_placeholder_is_replaced_in_allowed_files_at_any_depth(tmp_path: Path) -> None:
    text = f'<a href="{PH}/flows">{PH}</a>'.encode()
    names = ["index.html", "a/app.js", "a/b/style.css", "a/b/c/data.json", "notes.txt", "site.webmanifest"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text)
    replace_placeholder_string_in_files(tmp_path, PH, "/base")
    for name in names:
        assert (tmp_path / name).read_bytes() == b'<a href="/base/flows">/base</a>', name


def test_other_files_are_untouched(tmp_path: Path) -> None:
    binary = b"\x89PNG\r\n\x1a\n\xff\xfe" + PH.encode() + b"\x00\x01"
    files = {"logo.png": binary, "deep/font.woff2": binary, "script.py": PH.encode(), "README.md": PH.encode(),
             "app.js.map": PH.encode()}
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    replace_placeholder_string_in_files(tmp_path, PH, "/base")
    for name, data in files.items():
        assert (tmp_path / name).read_bytes() == data, name


def test_allowed_extensions_replace_the_default(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(PH)
    (tmp_path / "index.html").write_text(PH)
    replace_placeholder_string_in_files(tmp_path, PH, "", allowed_extensions=[".md"])
    assert (tmp_path / "README.md").read_text() == ""
    assert (tmp_path / "index.html").read_text() == PH


def test_replacement_keeps_line_endings_unicode_and_stray_bytes(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_bytes(b"\xef\xbb\xbfa\r\n" + PH.encode() + b"\r\n\xff\xc3")
    replace_placeholder_string_in_files(tmp_path, PH, "/caf\u00e9")
    assert (tmp_path / "app.js").read_bytes() == b"\xef\xbb\xbfa\r\n/caf\xc3\xa9\r\n\xff\xc3"


def test_files_without_the_placeholder_are_not_rewritten(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("no placeholder")
    os.utime(tmp_path / "index.html", (1_000_000, 1_000_000))
    replace_placeholder_string_in_files(tmp_path, PH, "/base")
    assert (tmp_path / "index.html").stat().st_mtime == 1_000_000


def test_symlinks_to_files_outside_are_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.js"
    outside.write_text(PH)
    (tmp_path / "outside-dir").mkdir()
    (tmp_path / "outside-dir" / "app.js").write_text(PH)
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "linked.js").symlink_to(outside)
    (tmp_path / "ui" / "linked-dir").symlink_to(tmp_path / "outside-dir", target_is_directory=True)
    replace_placeholder_string_in_files(tmp_path / "ui", PH, "/base")
    assert outside.read_text() == PH
    assert (tmp_path / "outside-dir" / "app.js").read_text() == PH


# --- the UI cache ----------------------------------------------------------------------------------

@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "source"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(f'<base href="{PH}/"><script src="{PH}/assets/app.js"></script>')
    (root / "assets" / "app.js").write_text(f'fetch("{PH}/api/health")')
    (root / "assets" / "logo.png").write_bytes(b"\x89PNG" + PH.encode())
    return root


@pytest.mark.parametrize(("base_path", "expected"), [
    ("/", ""), ("//", ""), ("/prefix", "/prefix"), ("/prefix/", "/prefix"), ("/a/b/", "/a/b"),
])
def test_base_paths_are_normalised_as_prefect_does(base_path: str, expected: str) -> None:
    assert normalise_base_path(base_path) == expected


@pytest.mark.parametrize("base_path", ["", "prefix", "prefix/"])
def test_a_base_path_must_start_with_a_slash(source: Path, tmp_path: Path, base_path: str) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        prepare_ui_directory(source, tmp_path / "cache", base_path, "1.0")


def test_the_first_call_copies_with_the_placeholder_replaced(source: Path, tmp_path: Path) -> None:
    served = prepare_ui_directory(source, tmp_path / "cache", "/prefix/", "1.0")
    assert served.is_relative_to(tmp_path / "cache")
    assert (served / "index.html").read_text() == '<base href="/prefix/"><script src="/prefix/assets/app.js"></script>'
    assert (served / "assets" / "app.js").read_text() == 'fetch("/prefix/api/health")'
    assert (served / "assets" / "logo.png").read_bytes() == b"\x89PNG" + PH.encode()
    assert PH in (source / "index.html").read_text()  # the source is never changed
    assert json.loads((served.parent / "reference.json").read_text()) == {"version": "1.0", "base_path": "/prefix"}
    assert not (served / "reference.json").exists()  # not servable


def test_the_root_base_path_leaves_root_relative_urls(source: Path, tmp_path: Path) -> None:
    served = prepare_ui_directory(source, tmp_path / "cache", "/", "1.0")
    assert (served / "index.html").read_text() == '<base href="/"><script src="/assets/app.js"></script>'


@pytest.mark.parametrize("same_base", ["/prefix", "/prefix/", "/prefix//"])
def test_a_matching_cache_is_reused_as_is(source: Path, tmp_path: Path, same_base: str) -> None:
    served = prepare_ui_directory(source, tmp_path / "cache", "/prefix", "1.0")
    (served / "marker").write_text("kept")
    index_mtime = (served / "index.html").stat().st_mtime_ns
    (source / "index.html").write_text("changed under the same version")
    again = prepare_ui_directory(source, tmp_path / "cache", same_base, "1.0")
    assert again == served
    assert (again / "marker").read_text() == "kept"
    assert (again / "index.html").stat().st_mtime_ns == index_mtime
    assert "changed" not in (again / "index.html").read_text()


@pytest.mark.parametrize(("base_path", "version", "expected_index"), [
    ("/other", "1.0", '<base href="/other/"><script src="/other/assets/app.js"></script>'),
    ("/prefix", "1.1", '<base href="/prefix/"><script src="/prefix/assets/app.js"></script>'),
])
def test_a_changed_base_path_or_version_copies_again(source: Path, tmp_path: Path, base_path: str,
                                                     version: str, expected_index: str) -> None:
    cache = tmp_path / "cache"
    served = prepare_ui_directory(source, cache, "/prefix", "1.0")
    (served / "marker").write_text("from the old build")
    again = prepare_ui_directory(source, cache, base_path, version)
    assert (again / "index.html").read_text() == expected_index
    assert not (again / "marker").exists()
    assert not served.exists()  # the outdated build is removed
    assert [entry.name for entry in cache.iterdir()] == [again.parent.name]


def test_a_damaged_build_is_copied_again(source: Path, tmp_path: Path) -> None:
    served = prepare_ui_directory(source, tmp_path / "cache", "/prefix", "1.0")
    (served / "marker").write_text("x")
    (served.parent / "reference.json").write_text("{not json")
    again = prepare_ui_directory(source, tmp_path / "cache", "/prefix", "1.0")
    assert again == served
    assert not (again / "marker").exists()
    assert (again / "assets" / "app.js").read_text() == 'fetch("/prefix/api/health")'


def test_a_failed_copy_leaves_nothing_behind(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(FileNotFoundError):
        prepare_ui_directory(tmp_path / "no-such-ui", cache, "/", "1.0")
    assert list(cache.iterdir()) == []


def test_a_build_finished_by_a_concurrent_caller_is_kept(source: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process installs the same build while this one copies: this one keeps theirs."""
    cache = tmp_path / "cache"
    replace = ui.replace_placeholder_string_in_files
    theirs: list[Path] = []

    def replace_while_another_process_finishes(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(ui, "replace_placeholder_string_in_files", replace)
        theirs.append(prepare_ui_directory(source, cache, "/prefix", "1.0"))
        (theirs[0] / "marker").write_text("theirs")
        replace(*args, **kwargs)

    monkeypatch.setattr(ui, "replace_placeholder_string_in_files", replace_while_another_process_finishes)
    ours = prepare_ui_directory(source, cache, "/prefix", "1.0")
    assert ours == theirs[0]
    assert (ours / "marker").read_text() == "theirs"
    assert [entry.name for entry in cache.iterdir()] == [ours.parent.name]  # no staging left


def test_an_incomplete_directory_in_the_way_is_replaced(source: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    build = prepare_ui_directory(source, cache, "/prefix", "1.0").parent
    replace = ui.replace_placeholder_string_in_files

    def replace_while_junk_appears(*args: Any, **kwargs: Any) -> None:
        build.mkdir()
        (build / "junk").write_text("half a copy")
        replace(*args, **kwargs)

    shutil.rmtree(build)
    monkeypatch.setattr(ui, "replace_placeholder_string_in_files", replace_while_junk_appears)
    served = prepare_ui_directory(source, cache, "/prefix", "1.0")
    assert not (build / "junk").exists()
    assert (served / "assets" / "app.js").read_text() == 'fetch("/prefix/api/health")'
    assert [entry.name for entry in cache.iterdir()] == [build.name]


def test_processes_preparing_at_once_all_get_the_same_complete_build(source: Path, tmp_path: Path) -> None:
    for number in range(300):  # a copy long enough for the processes to overlap
        (source / "assets" / f"chunk-{number}.js").write_text(f'import("{PH}/assets/chunk-{number + 1}.js")')
    cache = tmp_path / "cache"
    count = 6
    # Forked from a server that imported the module once: not six imports of the server package.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([prepare_ui_directory.__module__])
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        served = list(pool.map(prepare_ui_directory, [source] * count, [cache] * count,
                               ["/prefix"] * count, ["1.0"] * count))
    assert len(set(served)) == 1
    index = (served[0] / "index.html").read_text()
    assert index == '<base href="/prefix/"><script src="/prefix/assets/app.js"></script>'
    assert (served[0] / "assets" / "chunk-299.js").read_text() == 'import("/prefix/assets/chunk-300.js")'
    assert [entry.name for entry in cache.iterdir()] == [served[0].parent.name]


def test_the_prepared_ui_is_served_under_its_base_path(source: Path, tmp_path: Path) -> None:
    served = prepare_ui_directory(source, tmp_path / "cache", "/prefix/", "1.0")
    client = TestClient(spa_app(served, "/prefix"))
    page = client.get("/prefix/runs/123")
    assert page.status_code == 200
    assert page.text == '<base href="/prefix/"><script src="/prefix/assets/app.js"></script>'
    script = client.get("/prefix/assets/app.js")
    assert script.status_code == 200
    assert script.text == 'fetch("/prefix/api/health")'
    assert client.get("/prefix/reference.json").status_code == 404
    assert client.get("/prefix/../reference.json").status_code == 404

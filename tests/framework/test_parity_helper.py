"""The parity helper itself: it must notice every kind of difference it claims to compare.

These tests stand FastAPI in for asgi_api under another name, so that an app can diverge on purpose
(`fw.name == "asgi_api"`), whatever state asgi_api is in.
"""

import types

import pytest

from tests.framework import parity
from tests.framework.parity import call, check, raw_call, sequence


@pytest.fixture
def fake_asgi_api(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = types.SimpleNamespace(**{**vars(parity.fastapi_namespace()), "name": "asgi_api"})
    monkeypatch.setattr(parity, "asgi_api_or_reason", lambda: stand_in)


def diverging(fw):
    """An app whose answers differ between the two names in one way per route."""
    app = fw.API()
    other = fw.name == "asgi_api"

    @app.get("/status")
    def status(response: fw.Response):
        response.status_code = 201 if other else 200
        return {"same": True}

    @app.get("/int-or-float")
    def int_or_float():
        return {"value": 1 if other else 1.0}

    @app.get("/bool-or-int")
    def bool_or_int():
        return {"value": 1 if other else True}

    @app.get("/header")
    def header(response: fw.Response):
        response.headers["X-Thing"] = "b" if other else "a"
        return {}

    @app.get("/cookie")
    def cookie(response: fw.Response):
        response.set_cookie("c", "2" if other else "1")
        return {}

    @app.get("/text", response_class=fw.responses.PlainTextResponse)
    def text():
        return "b" if other else "a"

    @app.get("/bytes")
    def raw_bytes():
        return fw.Response(b'{"a":1}' if other else b'{"a": 1}', media_type="application/json")

    @app.get("/error-extra-key")
    def error_extra_key():
        entry = {"type": "t", "loc": ["query", "q"], "msg": "m", "input": None}
        if other:
            entry["url"] = "https://errors.example/t"
        return fw.responses.JSONResponse({"detail": [entry]}, status_code=422)

    @app.get("/error-order")
    def error_order(a: int, b: int):
        return {}

    @app.get("/crash")
    def crash():
        if other:
            raise RuntimeError("boom")
        return {"ok": True}

    @app.get("/accepts")
    def accepts(n: int = 0):
        return {"n": n}

    if other:
        @app.get("/only-elsewhere")
        def only_elsewhere():
            return {}
    else:
        @app.get("/only-elsewhere")
        def only_here():
            return {}

    log: list[str] = []

    @app.post("/log")
    def add(tasks: fw.BackgroundTasks):
        tasks.add_task(log.append, "b" if other else "a")
        return {}

    @app.get("/log")
    def read():
        return log

    return app


@pytest.mark.usefixtures("fake_asgi_api")
@pytest.mark.parametrize(("case", "expected"), [
    (call("GET", "/status"), "status: FastAPI 200, asgi_api 201"),
    (call("GET", "/int-or-float"), '- "value": 1.0'),
    (call("GET", "/bool-or-int"), '- "value": true'),
    (call("GET", "/header"), "header x-thing: FastAPI ['a'], asgi_api ['b']"),
    (call("GET", "/cookie"),
     "header set-cookie: FastAPI ['c=1; Path=/; SameSite=lax'], asgi_api ['c=2; Path=/; SameSite=lax']"),
    (call("GET", "/text"), "+<text> 'b'"),
    (call("GET", "/bytes", headers_compared=["content-length"]), "raw body: FastAPI b'{\"a\": 1}'"),
    (call("GET", "/crash"), "asgi_api raised RuntimeError: boom"),
    (sequence(call("POST", "/log"), call("GET", "/log"), id="later request"), '+ "b"'),
    (raw_call("GET", "/status"), "status: FastAPI 200, asgi_api 201"),
], ids=["status", "int vs float", "bool vs int", "header", "cookie", "text body", "JSON bytes", "exception",
        "sequence", "raw call"])
def test_a_difference_fails_with_a_readable_diff(case, expected) -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        check(diverging, case)
    assert expected in str(failure.value)


@pytest.mark.usefixtures("fake_asgi_api")
def test_keys_outside_the_compared_error_keys_are_ignored() -> None:
    check(diverging, call("GET", "/error-extra-key", 422))
    check(diverging, call("GET", "/bytes"))  # same JSON value, bytes only compared on request


@pytest.mark.usefixtures("fake_asgi_api")
def test_the_expected_status_is_checked_against_fastapi() -> None:
    with pytest.raises(pytest.fail.Exception, match="expects FastAPI to answer 404, it answered 200"):
        check(diverging, call("GET", "/accepts", 404))


@pytest.mark.usefixtures("fake_asgi_api")
def test_must_reject_needs_a_4xx_json_answer() -> None:
    with pytest.raises(pytest.fail.Exception, match="status 200, not 4xx"):
        check(diverging, call("GET", "/accepts?n=1", 200, must_reject=True))
    check(diverging, call("GET", "/accepts?n=x", 422, must_reject=True))


@pytest.mark.usefixtures("fake_asgi_api")
def test_asgi_api_only_cases_skip_the_comparison_but_not_the_rejection() -> None:
    with pytest.raises(pytest.fail.Exception, match="FastAPI not compared: reason"):
        check(diverging, call("GET", "/crash", asgi_api_only="reason"))
    check(diverging, call("GET", "/error-order?a=x", asgi_api_only="reason"))


def test_without_asgi_api_the_fastapi_side_runs_then_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parity, "asgi_api_or_reason", lambda: "ImportError: not yet")
    with pytest.raises(pytest.skip.Exception, match="not yet"):
        check(diverging, call("GET", "/accepts", 200))
    with pytest.raises(pytest.fail.Exception, match="expects FastAPI"):
        check(diverging, call("GET", "/accepts", 500))


def test_an_app_that_does_not_build_fails_the_case(fake_asgi_api: None) -> None:
    def broken(fw):
        if fw.name == "asgi_api":
            raise TypeError("unsupported option")
        return fw.API()

    with pytest.raises(pytest.fail.Exception, match="does not build on asgi_api: .*unsupported option"):
        check(broken, call("GET", "/", 404))


def test_allow_headers_compare_as_sets() -> None:
    one = parity.Outcome(405, [("allow", "GET, POST")], b"", [])
    other = parity.Outcome(405, [("allow", "POST, GET")], b"", [])
    assert parity.describe_difference(call("PUT", "/"), one, other) is None


def test_short_tuples_become_calls() -> None:
    assert parity.as_case(("GET", "/a")) == call("GET", "/a")
    assert parity.as_case(("GET", "/a", 404)) == call("GET", "/a", 404)
    assert parity.as_case(("POST", "/a", {"json": [1]}, 422)) == call("POST", "/a", 422, json=[1])

"""Differential testing: one app source, run on FastAPI and on asgi_api, responses compared.

An app is written once as a factory `build(fw)`, where `fw` is a namespace with FastAPI's public
names (`fw.API`, `fw.Query`, `fw.responses`, ...). `fw` is built for FastAPI and for asgi_api; the
same requests go to both apps and the responses must agree on:

* the status code;
* the body: parsed JSON when the response says it is JSON (422 error entries reduced to the keys
  both frameworks promise: type, loc, msg, input, ctx), raw bytes otherwise;
* the headers a client relies on: content-type, allow, location, set-cookie, www-authenticate,
  every `x-*` header, plus any a case names (`headers_compared=["content-length"]` makes a case
  check that the JSON bytes match too, not only the JSON value).

Cases are `call(...)` objects (or short tuples, see `as_case`), one pytest test each:

    test_items = parity_test(build, [
        call("GET", "/items/5?q=x", 200),
        call("POST", "/items", 422, json={"name": 1}),
    ])

The status given to `call` is what FastAPI is expected to answer: it keeps each case honest (a typo
in a path would otherwise make both apps agree on a 404). `sequence(...)` sends several requests to
one app, for behaviour that shows across requests (background tasks). `raw_call(...)` sends bytes
no HTTP client would produce, straight through the ASGI interface.

While `import asgi_api` fails, only the FastAPI side runs (so every case is still checked to be
meaningful) and the test is then skipped.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import anyio
import pytest
from starlette.testclient import TestClient

FRAMEWORK_NAMES = (
    "API", "APIRouter", "APIRoute", "Depends", "Query", "Path", "Header", "Cookie", "Body", "Request",
    "Response", "HTTPException", "BackgroundTasks", "RequestValidationError", "status", "responses",
    "Form", "File", "UploadFile", "Security",
)

COMPARED_HEADERS = ("content-type", "allow", "location", "set-cookie", "www-authenticate")
ERROR_KEYS = ("type", "loc", "msg", "input", "ctx")

Build = Callable[[types.SimpleNamespace], Any]


# --- the two frameworks -----------------------------------------------------------------------------

def fastapi_namespace() -> types.SimpleNamespace:
    import fastapi
    import fastapi.exceptions
    import fastapi.responses
    import fastapi.routing
    import fastapi.security
    import fastapi.sse

    return types.SimpleNamespace(
        name="fastapi", API=fastapi.FastAPI, APIRouter=fastapi.APIRouter, APIRoute=fastapi.routing.APIRoute,
        Depends=fastapi.Depends, Query=fastapi.Query, Path=fastapi.Path, Header=fastapi.Header,
        Cookie=fastapi.Cookie, Body=fastapi.Body, Request=fastapi.Request, Response=fastapi.Response,
        HTTPException=fastapi.HTTPException, BackgroundTasks=fastapi.BackgroundTasks,
        RequestValidationError=fastapi.exceptions.RequestValidationError, status=fastapi.status,
        responses=fastapi.responses, Form=fastapi.Form, File=fastapi.File, UploadFile=fastapi.UploadFile,
        Security=fastapi.Security, security=fastapi.security, sse=fastapi.sse,
    )


def asgi_api_namespace() -> types.SimpleNamespace | str:
    """asgi_api's namespace, or why it cannot be imported. Missing names stay missing: an app that
    uses one fails to build on asgi_api, and that case fails, not the whole run."""
    try:
        import asgi_api
        import asgi_api.responses
        import asgi_api.security
        import asgi_api.sse
    except Exception as exc:  # noqa: BLE001 - any failure to import means "not ready yet"
        return f"{type(exc).__name__}: {exc}"
    names = {name: getattr(asgi_api, name) for name in FRAMEWORK_NAMES if hasattr(asgi_api, name)}
    names["responses"] = asgi_api.responses
    names["security"] = asgi_api.security
    names["sse"] = asgi_api.sse
    return types.SimpleNamespace(name="asgi_api", **names)


_ASGI_API: types.SimpleNamespace | str | None = None


def asgi_api_or_reason() -> types.SimpleNamespace | str:
    global _ASGI_API
    if _ASGI_API is None or isinstance(_ASGI_API, str):  # retried until it imports
        _ASGI_API = asgi_api_namespace()
    return _ASGI_API


# --- cases -------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Call:
    """One request. `kwargs` go to `TestClient.request` (json, content, headers, params...), or for a
    raw call, to the ASGI scope (query bytes, header byte pairs, body bytes)."""

    method: str
    url: str
    status: int | None = None
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)
    headers: tuple[str, ...] = ()
    raw: bool = False
    id: str | None = None
    # Only for inputs FastAPI itself mishandles: the reason FastAPI is not compared. asgi_api must
    # then answer 4xx with a JSON body.
    asgi_api_only: str | None = None
    # asgi_api must answer 4xx with a JSON body (bad-input cases), on top of matching FastAPI.
    must_reject: bool = False

    def label(self) -> str:
        if self.id:
            return self.id
        parts = [self.method, self.url if not self.raw else f"{self.url}?{self.kwargs.get('query', b'')!r}"]
        for key, value in self.kwargs.items():
            if key in ("query",):
                continue
            text = value if isinstance(value, str) else repr(value) if isinstance(value, bytes) else \
                json.dumps(value, default=repr)
            parts.append(f"{key}={text}")
        label = " ".join(parts)
        return label if len(label) <= 90 else label[:87] + "..."


def call(method: str, url: str, status: int | None = None, *, headers_compared: Iterable[str] = (),
         id: str | None = None, must_reject: bool = False, asgi_api_only: str | None = None,
         **kwargs: Any) -> Call:
    """A request through the test client. `headers_compared` adds response headers to compare."""
    return Call(method, url, status, kwargs, tuple(h.lower() for h in headers_compared), id=id,
                must_reject=must_reject, asgi_api_only=asgi_api_only)


def raw_call(method: str, path: str, status: int | None = None, *, query: bytes = b"",
             headers: Sequence[tuple[bytes, bytes]] = (), body: bytes = b"", id: str | None = None,
             must_reject: bool = False, asgi_api_only: str | None = None) -> Call:
    """A request sent as an ASGI scope, for bytes an HTTP client would not send (invalid UTF-8)."""
    return Call(method, path, status, {"query": query, "headers": list(headers), "body": body}, raw=True,
                id=id, must_reject=must_reject, asgi_api_only=asgi_api_only)


@dataclasses.dataclass(frozen=True)
class Steps:
    """Requests sent in order to one app instance; each response is compared."""

    calls: tuple[Call, ...]
    id: str

    def label(self) -> str:
        return self.id


def sequence(*calls: Call | tuple[Any, ...], id: str) -> Steps:
    return Steps(tuple(as_case(c) for c in calls), id)  # type: ignore[misc]


def as_case(case: Any) -> Call | Steps:
    """Accepts `call(...)`, `sequence(...)` or a tuple: (method, url), (method, url, status),
    (method, url, kwargs) or (method, url, kwargs, status)."""
    if isinstance(case, (Call, Steps)):
        return case
    method, url, *rest = case
    status: int | None = None
    kwargs: dict[str, Any] = {}
    for item in rest:
        if isinstance(item, int):
            status = item
        else:
            kwargs = dict(item)
    return call(method, url, status, **kwargs)


# --- running -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    errors: list[str]  # exceptions that escaped the app

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    def is_json(self) -> bool:
        content_type = (self.header("content-type") or [""])[0].split(";")[0].strip()
        return content_type == "application/json" or content_type.endswith("+json")

    def payload(self) -> Any:
        if self.is_json() and self.body:
            try:
                return ("json", normalise_errors(self.status, json.loads(self.body)))
            except ValueError:
                pass
        try:
            return ("text", self.body.decode())
        except UnicodeDecodeError:
            return ("bytes", self.body)


def normalise_errors(status: int, body: Any) -> Any:
    """422 bodies: keep only the keys compared for each error entry (FastAPI may add others)."""
    if status != 422 or not isinstance(body, dict) or not isinstance(body.get("detail"), list):
        return body
    entries = [
        {key: entry[key] for key in ERROR_KEYS if key in entry} if isinstance(entry, dict) and "loc" in entry
        else entry
        for entry in body["detail"]
    ]
    return {**body, "detail": entries}


class _Catching:
    """Records exceptions escaping the app (Starlette still answers 500 for them)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.errors: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}"[:500])
            raise


def _through_client(client: TestClient, wrapper: _Catching, case: Call) -> Outcome:
    del wrapper.errors[:]
    response = client.request(case.method, case.url, **case.kwargs)
    return Outcome(response.status_code, [(k.lower(), v) for k, v in response.headers.multi_items()],
                   response.content, list(wrapper.errors))


def _through_asgi(wrapper: _Catching, case: Call) -> Outcome:
    del wrapper.errors[:]
    result: dict[str, Any] = {"status": None, "headers": [], "body": b""}

    async def run() -> None:
        done = anyio.Event()
        delivered = False
        path = case.url
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": case.method, "scheme": "http", "path": path, "raw_path": path.encode("utf-8", "surrogateescape"),
            "query_string": case.kwargs["query"], "root_path": "",
            "headers": [(b"host", b"testserver"), *case.kwargs["headers"]],
            "server": ("testserver", 80), "client": ("testclient", 50000), "state": {},
        }

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": case.kwargs["body"], "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
                result["headers"] = [(k.decode("latin-1").lower(), v.decode("latin-1"))
                                     for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                result["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    done.set()

        try:
            await wrapper(scope, receive, send)
        except Exception:  # noqa: BLE001 - recorded by the wrapper; a 500 if nothing was sent
            pass
        finally:
            done.set()

    anyio.run(run)
    status = result["status"] if result["status"] is not None else 500
    return Outcome(status, result["headers"], result["body"], list(wrapper.errors))


def run_case(build: Build, fw: types.SimpleNamespace, case: Call | Steps) -> list[Outcome] | str:
    """Builds a fresh app and sends the case's requests; or says why the app could not be built."""
    try:
        app = build(fw)
    except Exception as exc:  # noqa: BLE001 - reported as a divergence, not a crash of the helper
        return f"building the app raised {type(exc).__name__}: {exc}"
    wrapper = _Catching(app)
    calls = case.calls if isinstance(case, Steps) else (case,)
    outcomes = []
    with TestClient(wrapper, raise_server_exceptions=False, follow_redirects=False) as client:
        for step in calls:
            outcomes.append(_through_asgi(wrapper, step) if step.raw else _through_client(client, wrapper, step))
    return outcomes


# --- comparing ---------------------------------------------------------------------------------------

def header_values(outcome: Outcome, name: str) -> list[str]:
    values = outcome.header(name)
    if name == "allow":  # FastAPI lists a route's methods in set order, which changes between runs
        return [", ".join(sorted(method.strip() for value in values for method in value.split(",")))]
    return values


def view(outcome: Outcome, header_names: Iterable[str]) -> dict[str, Any]:
    """What is compared of one response."""
    kind, payload = outcome.payload()
    return {
        "status": outcome.status,
        "headers": {name: header_values(outcome, name) for name in sorted(header_names) if outcome.header(name)},
        # Re-serialised so that 1, 1.0 and true stay different (Python's == would equate them).
        "body": json.dumps(payload, sort_keys=True, indent=1, ensure_ascii=False) if kind == "json"
        else f"<{kind}> {payload!r}",
    }


def compared_header_names(case: Call, *outcomes: Outcome) -> set[str]:
    names = set(COMPARED_HEADERS) | set(case.headers)
    for outcome in outcomes:
        names |= {name for name, _ in outcome.headers if name.startswith("x-")}
    return names


def describe_difference(case: Call, expected: Outcome, actual: Outcome) -> str | None:
    names = compared_header_names(case, expected, actual)
    left, right = view(expected, names), view(actual, names)
    if left == right:
        return None
    lines = [f"{case.label()}: asgi_api differs from FastAPI"]
    if left["status"] != right["status"]:
        lines.append(f"  status: FastAPI {left['status']}, asgi_api {right['status']}")
    for name in sorted(set(left["headers"]) | set(right["headers"])):
        if left["headers"].get(name) != right["headers"].get(name):
            lines.append(f"  header {name}: FastAPI {left['headers'].get(name)}, asgi_api {right['headers'].get(name)}")
    if left["body"] != right["body"]:
        lines.append("  body (- FastAPI, + asgi_api):")
        old, new = left["body"].splitlines(), right["body"].splitlines()
        diff = difflib.unified_diff(old, new, "FastAPI", "asgi_api", lineterm="", n=2)
        lines.extend("    " + line for line in list(diff)[2:])
    elif expected.body != actual.body:  # same JSON value, different bytes (number format, escaping)
        lines.append(f"  raw body: FastAPI {expected.body[:300]!r}")
        lines.append(f"            asgi_api {actual.body[:300]!r}")
    for error in actual.errors:
        lines.append(f"  asgi_api raised {error}")
    for error in expected.errors:
        lines.append(f"  FastAPI raised {error}")
    return "\n".join(lines)


def describe(outcome: Outcome) -> str:
    kind, payload = outcome.payload()
    text = json.dumps(payload) if kind == "json" else repr(payload)
    if len(text) > 400:
        text = text[:400] + "..."
    errors = f" raised {outcome.errors}" if outcome.errors else ""
    return f"{outcome.status} {outcome.header('content-type')} {text}{errors}"


def rejection_problem(case: Call, outcome: Outcome) -> str | None:
    """asgi_api must answer a client error with a JSON body, and nothing may escape the app."""
    problems = []
    if not 400 <= outcome.status < 500:
        problems.append(f"status {outcome.status}, not 4xx")
    if not outcome.is_json():
        problems.append(f"content-type {outcome.header('content-type')}, not JSON")
    else:
        try:
            json.loads(outcome.body)
        except ValueError:
            problems.append("the body is not valid JSON")
    if outcome.errors:
        problems.append(f"raised {outcome.errors}")
    if not problems:
        return None
    return f"{case.label()}: asgi_api must reject it with a 4xx JSON error: " + "; ".join(problems) + \
        f"\n  asgi_api answered {describe(outcome)}"


def check(build: Build, case: Any) -> None:
    """Runs one case on FastAPI (checking its expected status) and on asgi_api, and compares."""
    case = as_case(case)
    calls = case.calls if isinstance(case, Steps) else (case,)
    reference = run_case(build, fastapi_namespace(), case)
    if isinstance(reference, str):
        pytest.fail(f"the test app does not build on FastAPI: {reference}", pytrace=False)
    for step, outcome in zip(calls, reference, strict=True):
        if step.status is not None and outcome.status != step.status:
            pytest.fail(f"{step.label()}: the case expects FastAPI to answer {step.status}, it answered "
                        f"{describe(outcome)}", pytrace=False)

    fw = asgi_api_or_reason()
    if isinstance(fw, str):
        pytest.skip(f"asgi_api does not import ({fw}); the FastAPI side ran")
    actual = run_case(build, fw, case)
    if isinstance(actual, str):
        pytest.fail(f"{case.label()}: the app does not build on asgi_api: {actual}", pytrace=False)

    problems = []
    for step, expected, got in zip(calls, reference, actual, strict=True):
        if step.asgi_api_only is None:
            difference = describe_difference(step, expected, got)
            if difference:
                problems.append(difference)
        if step.asgi_api_only is not None or step.must_reject:
            problem = rejection_problem(step, got)
            if problem:
                if step.asgi_api_only:
                    problem += f"\n  (FastAPI not compared: {step.asgi_api_only}; it answered {describe(expected)})"
                problems.append(problem)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def _param(case: Any) -> Any:
    marks: Any = ()
    if isinstance(case, type(pytest.param(None))):  # a case already wrapped, e.g. with an xfail mark
        case, marks = case.values[0], case.marks
    case = as_case(case)
    return pytest.param(case, marks=marks, id=case.label())


def parity_test(build: Build, cases: Sequence[Any]) -> Callable[[Any], None]:
    """A pytest test, one item per case, comparing `build`'s app on FastAPI and asgi_api.

    Wrap a case in `pytest.param(case, marks=pytest.mark.xfail(reason=..., strict=True))` to mark a
    known divergence."""

    @pytest.mark.parametrize("case", [_param(case) for case in cases])
    def test(case: Call | Steps) -> None:
        check(build, case)

    return test


def xfail(case: Any, reason: str) -> Any:
    """A case asgi_api is known not to match; strict, so it fails once it matches."""
    return pytest.param(as_case(case), marks=pytest.mark.xfail(reason=reason, strict=True))

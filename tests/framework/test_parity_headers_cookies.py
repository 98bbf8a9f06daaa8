"""Header and cookie parameters on FastAPI and asgi_api."""

from typing import Annotated, Optional

from tests.framework.parity import call, parity_test


def build(fw):
    app = fw.API()

    @app.get("/agent")
    def agent(user_agent: str = fw.Header()):
        return {"user_agent": user_agent}

    @app.get("/token")
    def token(x_token: str = fw.Header()):
        return {"x_token": x_token}

    @app.get("/optional")
    def optional(x_trace: Optional[str] = fw.Header(None), x_retries: int = fw.Header(3)):
        return {"x_trace": x_trace, "x_retries": x_retries}

    @app.get("/raw-name")
    def raw_name(strange_header: str = fw.Header(convert_underscores=False)):
        return {"strange_header": strange_header}

    @app.get("/tags")
    def tags(x_tag: list[str] = fw.Header([])):
        return {"x_tag": x_tag}

    @app.get("/numbers")
    def numbers(x_number: Annotated[Optional[list[int]], fw.Header()] = None):
        return {"x_number": x_number}

    @app.get("/alias")
    def alias(key: str = fw.Header(alias="X-Api-Key")):
        return {"key": key}

    @app.get("/bounded")
    def bounded(x_page: Annotated[int, fw.Header(ge=1, le=5)]):
        return {"x_page": x_page}

    @app.get("/cookie")
    def cookie(session: Optional[str] = fw.Cookie(None)):
        return {"session": session}

    @app.get("/cookie/required")
    def required_cookie(session: str = fw.Cookie(), visits: int = fw.Cookie(0)):
        return {"session": session, "visits": visits}

    @app.get("/cookie/alias")
    def aliased_cookie(tracking: Annotated[str, fw.Cookie(alias="tracking-id", min_length=4)]):
        return {"tracking": tracking}

    @app.get("/mixed/{item_id}")
    def mixed(item_id: int, q: int, x_token: str = fw.Header(), session: str = fw.Cookie()):
        return {"item_id": item_id, "q": q, "x_token": x_token, "session": session}

    return app


test_headers = parity_test(build, [
    call("GET", "/agent", 200),
    call("GET", "/agent", 200, headers={"User-Agent": "custom/1.0"}),
    call("GET", "/token", 422),
    call("GET", "/token", 200, headers={"x-token": "abc"}),
    call("GET", "/token", 200, headers={"X-TOKEN": "shouting"}),
    call("GET", "/token", 422, headers={"x_token": "underscored"}),
    call("GET", "/token", 200, headers={"x-token": ""}),
    call("GET", "/optional", 200),
    call("GET", "/optional", 200, headers={"x-trace": "t1", "x-retries": "5"}),
    call("GET", "/optional", 422, headers={"x-retries": "many"}),
    call("GET", "/raw-name", 200, headers={"strange_header": "yes"}),
    call("GET", "/raw-name", 422, headers={"strange-header": "no"}),
    call("GET", "/tags", 200),
    call("GET", "/tags", 200, headers=[("x-tag", "a"), ("x-tag", "b"), ("X-Tag", "c")]),
    call("GET", "/tags", 200, headers={"x-tag": "a, b"}),
    call("GET", "/numbers", 200),
    call("GET", "/numbers", 200, headers=[("x-number", "1"), ("x-number", "2")]),
    call("GET", "/numbers", 422, headers=[("x-number", "1"), ("x-number", "two")]),
    call("GET", "/alias", 200, headers={"x-api-key": "k"}),
    call("GET", "/alias", 422, headers={"key": "k"}),
    call("GET", "/bounded", 200, headers={"x-page": "5"}),
    call("GET", "/bounded", 422, headers={"x-page": "6"}),
    call("GET", "/bounded", 422, headers={"x-page": "first"}),
])

test_cookies = parity_test(build, [
    call("GET", "/cookie", 200),
    call("GET", "/cookie", 200, headers={"cookie": "session=abc"}),
    call("GET", "/cookie", 200, headers={"cookie": "other=1; session=xyz; more=2"}),
    call("GET", "/cookie/required", 422),
    call("GET", "/cookie/required", 200, headers={"cookie": "session=s1"}),
    call("GET", "/cookie/required", 200, headers={"cookie": "session=s1; visits=4"}),
    call("GET", "/cookie/required", 422, headers={"cookie": "session=s1; visits=lots"}),
    call("GET", "/cookie/alias", 200, headers={"cookie": "tracking-id=abcd"}),
    call("GET", "/cookie/alias", 422, headers={"cookie": "tracking-id=abc"}),
    call("GET", "/cookie/alias", 422, headers={"cookie": "tracking=abcd"}),
])

test_every_source_at_once = parity_test(build, [
    call("GET", "/mixed/1?q=2", 200, headers={"x-token": "t", "cookie": "session=s"}),
    call("GET", "/mixed/x", 422, id="errors from path, query, header and cookie, in declaration order"),
    call("GET", "/mixed/x?q=y", 422, headers={"cookie": "session=s"}),
])

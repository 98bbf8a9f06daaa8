"""Hostile and broken input: asgi_api must answer a 4xx JSON error, never a 500.

Cases marked `must_reject` are compared with FastAPI *and* must be a 4xx with a JSON body on
asgi_api. Cases with `asgi_api_only` are inputs FastAPI itself mishandles (it answers 500): there only
asgi_api's 4xx is asserted, and the reason says what FastAPI does. The remaining cases are inputs
FastAPI accepts with a 200 for a good reason (a body sent to an endpoint that reads none, lenient
decoding of a string parameter); asgi_api must match it, which also rules out a 500.
"""

import dataclasses
import datetime
import enum
import math
from typing import Any

from tests.framework.parity import asgi_api_namespace, call, parity_test, raw_call


class Colour(str, enum.Enum):
    red = "red"
    green = "green"


@dataclasses.dataclass
class Item:
    name: str
    count: int
    colour: Colour = Colour.red


def build(fw):
    app = fw.API()

    @app.post("/items")
    def create(item: Item):
        return item

    @app.post("/count")
    def count(count: int = fw.Body(embed=True)):
        return {"count": count}

    @app.post("/measure")
    def measure(x: float = fw.Body(embed=True)):
        return {"finite": math.isfinite(x)}

    @app.post("/echo-float")
    def echo_float(x: float = fw.Body(embed=True)):
        return {"x": x}

    @app.post("/object")
    def an_object(data: dict[str, Any]):
        return {"keys": len(data)}

    @app.post("/array")
    def an_array(data: list[Any]):
        return {"length": len(data)}

    @app.post("/nobody")
    def nobody():
        return {"ok": True}

    @app.post("/when")
    def when(at: datetime.datetime = fw.Body(embed=True)):
        return {"at": at}

    @app.get("/query")
    def query(n: int = 0, s: str = "", colour: Colour = Colour.red, f: float = 0.0):
        return {"n": n, "s": s, "colour": colour, "finite": math.isfinite(f)}

    @app.get("/ints/{n}")
    def ints(n: int):
        return {"n": n}

    @app.get("/headers")
    def headers(x_name: str = fw.Header("none"), x_count: int = fw.Header(0)):
        return {"x_name": x_name, "x_count": x_count}

    return app


JSON = {"content-type": "application/json"}
FIVE_THOUSAND_DIGITS = "9" * 5000


def deep(opening: bytes, closing: bytes, levels: int) -> bytes:
    return opening * levels + closing * levels


test_malformed_json = parity_test(build, [
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1', headers=JSON, must_reject=True),
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1} extra', headers=JSON, must_reject=True),
    call("POST", "/items", 422, content=b"{'name': 'x'}", headers=JSON, must_reject=True),
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1,}', headers=JSON, must_reject=True,
         id="trailing comma"),
    call("POST", "/items", 422, content=b"   ", headers=JSON, must_reject=True, id="whitespace only"),
    call("POST", "/items", 422, content=b"nul", headers=JSON, must_reject=True),
    call("POST", "/array", 422, content=b"[1, 2,]", headers=JSON, must_reject=True),
    call("POST", "/items", 400, content=b'{"name": "\xff\xfe", "count": 1}', headers=JSON, must_reject=True,
         id="invalid UTF-8 inside a JSON string"),
    call("POST", "/items", asgi_api_only="FastAPI's json.loads passes the surrogate and fails encoding the reply: 500",
         content=b'{"name": "\xed\xa0\x80", "count": 1}', headers=JSON, id="a surrogate code point as raw UTF-8 bytes"),
    call("POST", "/items", 422, content=b"\xff\xfe\x00{", headers=JSON, must_reject=True,
         id="binary garbage as JSON"),
    call("POST", "/items", 200, content=b'\xef\xbb\xbf{"name": "x", "count": 1}', headers=JSON,
         id="UTF-8 byte order mark before JSON"),
    call("POST", "/items", 200, content='{"name": "\u00e9", "count": 1}'.encode("utf-16"), headers=JSON,
         id="UTF-16 JSON with a byte order mark"),
    call("POST", "/items", 200, content=b'{"name": "a\\u0000b", "count": 1}', headers=JSON,
         id="escaped NUL inside a string"),
    call("POST", "/items", asgi_api_only="FastAPI accepts the lone surrogate and fails encoding the reply: 500",
         content=b'{"name": "\\ud800", "count": 1}', headers=JSON, id="lone surrogate escape"),
])

test_timestamps_out_of_range = parity_test(build, [
    call("POST", "/when", 422, json={"at": 1e300}, must_reject=True, id="1e300 seconds"),
    call("POST", "/when", 422, json={"at": -1e300}, must_reject=True, id="-1e300 seconds"),
    call("POST", "/when", 422, json={"at": 1e18}, must_reject=True, id="1e18 seconds"),
    call("POST", "/when", 422, json={"at": "1e300"}, must_reject=True, id="1e300 as a string"),
])

test_wrong_content_type = parity_test(build, [
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1}', headers={"content-type": "text/plain"},
         must_reject=True),
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1}', must_reject=True, id="no content type"),
    call("POST", "/items", 422, content=b"name=x&count=1",
         headers={"content-type": "application/x-www-form-urlencoded"}, must_reject=True),
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1}',
         headers={"content-type": "multipart/form-data; boundary=xyz"}, must_reject=True),
    call("POST", "/items", 422, content=b'{"name": "x", "count": 1}', headers={"content-type": "garbage"},
         must_reject=True),
    raw_call("POST", "/items", 422, headers=[(b"content-type", b"application/json\xff")],
             body=b'{"name": "x", "count": 1}', must_reject=True, id="content type with a non-ASCII byte"),
])

test_unexpected_or_missing_body = parity_test(build, [
    call("POST", "/nobody", 200, json={"a": 1}, id="a JSON body where none is read is ignored"),
    call("POST", "/nobody", 200, content=b"{broken", headers=JSON, id="a broken body where none is read is ignored"),
    call("GET", "/query?n=1", 200, json=[1, 2], id="a body on a GET is ignored"),
    call("POST", "/items", 422, must_reject=True, id="missing body"),
    call("POST", "/items", 422, content=b"", headers=JSON, must_reject=True, id="empty body"),
    call("POST", "/items", 422, json=None, must_reject=True, id="null body"),
    call("POST", "/count", 422, json={}, must_reject=True),
])

test_wrong_types = parity_test(build, [
    call("POST", "/items", 422, json={"name": 123, "count": 1}, must_reject=True),
    call("POST", "/items", 422, json={"name": ["x"], "count": {"n": 1}}, must_reject=True),
    call("POST", "/items", 422, json={"name": "x", "count": 1, "colour": "purple"}, must_reject=True),
    call("POST", "/items", 422, json={"name": "x", "count": 1, "colour": "RED"}, must_reject=True),
    call("POST", "/items", 422, json=["name", "count"], must_reject=True),
    call("POST", "/items", 422, json="item", must_reject=True),
    call("POST", "/count", 200, json={"count": "10"}, id="numeric string for int is accepted"),
    call("POST", "/count", 200, json={"count": 2.0}, id="integral float for int is accepted"),
    call("POST", "/count", 200, json={"count": True}, id="true for int is accepted as 1"),
    call("POST", "/count", 422, json={"count": 2.5}, must_reject=True),
    call("POST", "/count", 422, json={"count": [1]}, must_reject=True),
    call("POST", "/count", 422, json={"count": "ten"}, must_reject=True),
    call("GET", "/query?colour=purple", 422, must_reject=True),
    call("GET", "/query?n=1.5&colour=&f=x", 422, must_reject=True),
])

test_huge_numbers = parity_test(build, [
    call("POST", "/count", 200, json={"count": 10**30}, id="10**30 in JSON for int"),
    call("POST", "/count", 200, json={"count": -(10**30)}, id="-10**30 in JSON for int"),
    call("POST", "/measure", 200, json={"x": 10**30}, id="10**30 in JSON for float"),
    call("POST", "/count", 422, json={"count": 1e30}, must_reject=True, id="1e30 float in JSON for int"),
    call("POST", "/measure", 422, json={"x": 10**400}, must_reject=True, id="10**400 in JSON for float"),
    call("POST", "/count", 400, content=f'{{"count": {FIVE_THOUSAND_DIGITS}}}'.encode(), headers=JSON,
         must_reject=True, id="5000-digit integer in JSON"),
    call("POST", "/measure", 200, content=b'{"x": 1e400}', headers=JSON,
         id="1e400 in JSON is infinity for a float"),
    call("POST", "/measure", 200, content=b'{"x": NaN}', headers=JSON, id="NaN literal in JSON"),
    call("POST", "/measure", 200, content=b'{"x": -Infinity}', headers=JSON, id="-Infinity literal in JSON"),
    call("POST", "/count", content=b'{"count": 1e400}', headers=JSON,
         asgi_api_only="FastAPI answers 500: infinity reaches int validation and the error cannot be encoded",
         id="1e400 in JSON for int"),
    call("GET", "/query?n=1000000000000000000000000000000", 200, id="10**30 in the query for int"),
    call("GET", f"/query?n={FIVE_THOUSAND_DIGITS}", 422, must_reject=True, id="5000-digit integer in the query"),
    call("GET", f"/ints/{FIVE_THOUSAND_DIGITS}", 422, must_reject=True, id="5000-digit integer in the path"),
    call("GET", "/query?f=1e400", 200, id="1e400 in the query for float"),
    call("GET", "/query?f=nan", 200, id="nan in the query for float"),
])

test_deep_nesting = parity_test(build, [
    call("POST", "/array", 200, content=deep(b"[", b"]", 100), headers=JSON, id="100 nested arrays"),
    call("POST", "/array", 400, content=deep(b"[", b"]", 10000), headers=JSON, must_reject=True,
         id="10000 nested arrays"),
    call("POST", "/array", 400, content=b"[" * 10000, headers=JSON, must_reject=True,
         id="10000 unclosed arrays"),
    call("POST", "/object", 400, content=deep(b'{"a":', b"}", 10000).replace(b'{"a":}', b'{"a":1}'), headers=JSON,
         must_reject=True, id="10000 nested objects"),
    call("POST", "/items", 400, content=deep(b"[", b"]", 10000), headers=JSON, must_reject=True,
         id="10000 nested arrays for a model"),
])

test_invalid_utf8_and_odd_bytes = parity_test(build, [
    call("GET", "/query?n=%FF", 422, must_reject=True, id="percent-encoded invalid UTF-8 for int"),
    call("GET", "/query?colour=%FF%FE", 422, must_reject=True, id="percent-encoded invalid UTF-8 for enum"),
    call("GET", "/query?s=%FF%FE", 200, id="percent-encoded invalid UTF-8 for str is replaced"),
    call("GET", "/query?s=%zz&n=%", 422, must_reject=True, id="broken percent escapes"),
    call("GET", "/ints/%FF", 422, must_reject=True, id="invalid UTF-8 in the path for int"),
    raw_call("GET", "/query", 422, query=b"n=\xff", must_reject=True, id="raw 0xFF byte in the query for int"),
    raw_call("GET", "/query", 200, query=b"s=\xff\xfe&n=1", id="raw 0xFF byte in the query for str"),
    raw_call("GET", "/query", 200, query=b"\xff=1&%FF=2", id="invalid UTF-8 in query names"),
    raw_call("GET", "/headers", 422, headers=[(b"x-count", b"\xff")], must_reject=True,
             id="raw 0xFF byte in an int header"),
    raw_call("GET", "/headers", 200, headers=[(b"x-name", b"caf\xc3\xa9\xff")], id="non-ASCII bytes in a str header"),
    raw_call("GET", "/headers", 200, headers=[(b"cookie", b"\xff=\xfe; broken")], id="garbage cookie header"),
    raw_call("GET", "/headers", 200, headers=[(b"x-name", b"v" * 100_000)], id="100 kB header value"),
    call("GET", "/query?" + "&".join(f"k{i}=v" for i in range(5000)), 200, id="5000 unknown query parameters"),
    raw_call("GET", "/query", 422, query=b"n=1&n=2&n=" + b"x" * 100_000, must_reject=True, id="100 kB query value"),
])


def test_nan_echoed_back_is_null() -> None:
    """FastAPI accepts NaN, then fails encoding it in the reply (500). asgi_api accepts it the same
    way and sends it back as null, as msgspec encodes non-finite floats."""
    from starlette.testclient import TestClient

    app = build(asgi_api_namespace())
    with TestClient(app) as client:
        response = client.post("/echo-float", content=b'{"x": NaN}', headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"x": None}

"""msgspec Structs as bodies and response models, in a module using `from __future__ import annotations`."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, Body
from tests.framework.future_app import app

ORDER = {
    "orderId": "12345678-1234-5678-1234-567812345678",
    "placedAt": "2024-05-01T12:00:00Z",
    "total": "12.50",
    "colour": "red",
    "parts": [{"sku": "ab", "quantity": 2}, {"sku": "cd"}],
    "unknownField": "ignored",
}


def test_struct_body_and_inferred_struct_response() -> None:
    with TestClient(app) as client:
        response = client.post("/orders", json=ORDER)
    assert response.status_code == 201
    assert response.json() == {"order_id": ORDER["orderId"], "parts": 2, "total": "12.50"}


def test_nested_struct_errors_point_at_the_field() -> None:
    cases = [
        ({**ORDER, "parts": [{"sku": "ab"}, {"sku": "ab", "quantity": 0}]},
         {"type": "greater_than_equal", "loc": ["body", "parts", 1, "quantity"],
          "msg": "Input should be greater than or equal to 1", "input": 0, "ctx": {"ge": 1}}),
        ({**ORDER, "parts": [{"sku": "x"}]},
         {"type": "string_too_short", "loc": ["body", "parts", 0, "sku"],
          "msg": "String should have at least 2 characters", "input": "x", "ctx": {"min_length": 2}}),
        ({**ORDER, "colour": "green"},
         {"type": "enum", "loc": ["body", "colour"], "msg": "Input should be 'red' or 'blue'", "input": "green",
          "ctx": {"expected": "'red' or 'blue'"}}),
        ({key: value for key, value in ORDER.items() if key != "total"},
         {"type": "missing", "loc": ["body", "total"], "msg": "Field required",
          "input": {key: value for key, value in ORDER.items() if key != "total"}}),
        ([ORDER],
         {"type": "model_attributes_type", "loc": ["body"],
          "msg": "Input should be a valid dictionary or object to extract fields from", "input": [ORDER]}),
    ]
    with TestClient(app) as client:
        for body, expected in cases:
            response = client.post("/orders", json=body)
            assert response.status_code == 422, body
            assert response.json()["detail"][0] == expected


def test_dependency_with_annotated_query_and_optional_enum() -> None:
    with TestClient(app) as client:
        assert client.get("/orders?offset=5&limit=20&colour=blue").json() == {"paging": [5, 20], "colour": "blue"}
        assert client.get("/orders").json() == {"paging": [0, 10], "colour": None}
        errors = client.get("/orders?limit=99&colour=green").json()["detail"]
    assert [(error["type"], error["loc"]) for error in errors] == [
        ("less_than_equal", ["query", "limit"]), ("enum", ["query", "colour"])]


def test_embedded_body_with_constraints() -> None:
    path = "/orders/12345678-1234-5678-1234-567812345678/note"
    with TestClient(app) as client:
        assert client.put(path, json={"note": "hi"}).json()["note"] == "hi"
        too_long = client.put(path, json={"note": "far too long"}).json()["detail"]
        not_embedded = client.put(path, json="hi").json()["detail"]
        bad_id = client.put("/orders/nope/note", json={"note": "hi"}).json()["detail"]
    assert too_long[0]["type"] == "string_too_long" and too_long[0]["loc"] == ["body", "note"]
    assert not_embedded == [{"type": "missing", "loc": ["body", "note"], "msg": "Field required", "input": None}]
    assert bad_id[0]["type"] == "uuid_parsing" and bad_id[0]["loc"] == ["path", "order_id"]


class Public(msgspec.Struct):
    name: str


class Row:
    def __init__(self) -> None:
        self.name = "from attributes"
        self.secret = "hidden"


def test_response_model_drops_fields_and_converts_objects() -> None:
    app = API()

    @app.get("/dict")
    def from_dict() -> Public:
        return {"name": "x", "secret": "s"}  # type: ignore[return-value]

    @app.get("/object", response_model=list[Public])
    def from_object() -> object:
        return [Row()]

    @app.get("/broken")
    def broken() -> Public:
        return {"nope": 1}  # type: ignore[return-value]

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/dict").json() == {"name": "x"}
        assert client.get("/object").json() == [{"name": "from attributes"}]
        broken_response = client.get("/broken")
    assert broken_response.status_code == 500
    assert "Traceback" not in broken_response.text


def test_unresolvable_annotation_fails_when_the_route_is_made() -> None:
    app = API()

    def endpoint() -> NotDefinedAnywhere:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(TypeError, match="NotDefinedAnywhere"):
        app.get("/x")(endpoint)


class Reading(msgspec.Struct):
    at: datetime.datetime
    level: int
    valid: bool
    ratio: float | None = None


def test_strict_body_takes_only_the_json_types_the_schema_names() -> None:
    """Lax (FastAPI's default): `0` is false, a number a timestamp, `"5"` an int. Strict: each is the
    422 pydantic's strict mode gives, for the body and for embedded keys, in included routes too."""
    router = APIRouter()

    @router.post("/readings")
    def create(reading: Reading) -> Reading:
        return reading

    @router.post("/limits")
    def limit(limit: int | None = Body(None), seconds: float = Body(1.0)) -> list[Any]:
        return [limit, seconds]

    lax, strict = API(), API(strict_body=True)
    lax.include_router(router)
    strict.include_router(router)
    loose = {"at": 0, "level": "5", "valid": 1, "ratio": False}
    with TestClient(lax) as client:
        assert client.post("/readings", json=loose).json() == {
            "at": "1970-01-01T00:00:00Z", "level": 5, "valid": True, "ratio": 0.0}
        assert client.post("/limits", json={"limit": True, "seconds": False}).json() == [1, 0.0]
    with TestClient(strict) as client:
        errors = client.post("/readings", json=loose).json()["detail"]
        assert [(error["type"], error["loc"], error["msg"]) for error in errors] == [
            ("datetime_type", ["body", "at"], "Input should be a valid datetime"),
            ("int_type", ["body", "level"], "Input should be a valid integer"),
            ("bool_type", ["body", "valid"], "Input should be a valid boolean"),
            ("float_type", ["body", "ratio"], "Input should be a valid number"),
        ]
        errors = client.post("/limits", json={"limit": True, "seconds": False}).json()["detail"]
        assert [(error["type"], error["loc"], error["input"]) for error in errors] == [
            ("int_type", ["body", "limit"], True), ("float_type", ["body", "seconds"], False)]
        exact = {"at": "2024-05-01T12:00:00Z", "level": 5, "valid": True, "ratio": 1}
        assert client.post("/readings", json=exact).json() == {**exact, "ratio": 1.0}
        # 5.0 is an integer to JSON Schema, so to the OpenAPI document: taken; 5.5 is not
        assert client.post("/readings", json={**exact, "level": 5.0}).json()["level"] == 5
        errors = client.post("/readings", json={**exact, "level": 5.5}).json()["detail"]
        assert [(error["type"], error["loc"]) for error in errors] == [("int_from_float", ["body", "level"])]
        assert client.post("/limits", json={"limit": None, "seconds": 2}).json() == [None, 2.0]


class Span(msgspec.Struct):
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")


def test_a_post_init_error_is_a_value_error_of_the_object() -> None:
    """A Struct's `__post_init__` is its model validator: pydantic's `value_error`, at the object."""
    app = API()

    @app.post("/spans")
    def create(spans: list[Span]) -> int:
        return len(spans)

    with TestClient(app) as client:
        assert client.post("/spans", json=[{"start": 1, "end": 2}]).json() == 1
        errors = client.post("/spans", json=[{"start": 1, "end": 2}, {"start": 2, "end": 1}]).json()["detail"]
    assert errors == [{"type": "value_error", "loc": ["body", 1], "msg": "Value error, end before start",
                       "input": {"start": 2, "end": 1}}]

"""Types neither backend can handle are refused when the route is added, naming what to write instead."""

import dataclasses
from typing import Any

import msgspec
import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, Body
from asgi_api.exceptions import FastAPIError


class Thing:
    def __init__(self, size: int) -> None:
        self.size = size


def test_an_arbitrary_class_as_a_body_is_refused_naming_endpoint_and_parameter() -> None:
    app = API()

    def create_thing(thing: Thing) -> None: ...

    with pytest.raises(FastAPIError, match=r"parameter 'thing' of .*create_thing.*Thing.*msgspec.Struct.*Depends"):
        app.post("/things")(create_thing)
    with pytest.raises(FastAPIError, match="parameter 'things'"):
        APIRouter().add_api_route("/t", _takes_list_of_things, methods=["POST"])


def _takes_list_of_things(things: list[Thing] = Body()) -> None: ...


def test_an_arbitrary_return_type_is_refused_with_the_way_out() -> None:
    app = API()

    def read_thing() -> Thing:
        return Thing(1)

    with pytest.raises(FastAPIError, match=r"response model for .*read_thing.*response_model=None"):
        app.get("/thing")(read_thing)
    with pytest.raises(FastAPIError, match="response model"):
        app.get("/things", response_model=dict[str, Thing])(lambda: {})


class Model(BaseModel):
    name: str


class Struct(msgspec.Struct):
    name: str


@dataclasses.dataclass
class Data:
    name: str


def test_accepted_routes_always_give_an_openapi_document() -> None:
    app = API()

    @app.get("/raw", response_model=None)
    def raw() -> Thing:  # response_model=None: the return annotation is not a model
        return Thing(2)

    @app.post("/mixed")
    def mixed(model: Model, struct: Struct, data: Data) -> dict[str, Any]:
        return {"names": [model.name, struct.name, data.name]}

    client = TestClient(app)
    document = client.get("/openapi.json")
    assert document.status_code == 200
    assert set(document.json()["components"]["schemas"]) >= {"Model", "Struct", "Data"}
    response = client.post("/mixed", json={"model": {"name": "a"}, "struct": {"name": "b"}, "data": {"name": "c"}})
    assert response.json() == {"names": ["a", "b", "c"]}

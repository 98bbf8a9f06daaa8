"""Types neither backend can handle are refused when the route is added, naming what to write instead."""

import dataclasses
from typing import Annotated, Any, Optional

import msgspec
import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from asgi_api import API, APIRouter, Body, Query
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


def test_a_refused_type_is_refused_again_on_every_route_that_uses_it() -> None:
    app = API()
    for path in ("/first", "/second"):
        with pytest.raises(FastAPIError, match=r"parameter 'things'.*Thing"):
            app.post(path)(_takes_list_of_things)
    assert [route.path for route in app.routes if route.path in ("/first", "/second")] == []


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


def test_a_responses_model_that_cannot_be_encoded_is_refused_when_the_route_is_added() -> None:
    app = API()
    with pytest.raises(FastAPIError, match=r"response model for .*lambda.*Thing"):
        app.get("/thing", responses={404: {"model": Thing}})(lambda: None)
    app.get("/model", responses={404: {"model": Model}, 500: {"description": "Broken"}})(lambda: None)


@pytest.mark.parametrize("annotation", [list, dict, list[Model], dict[str, Struct], Model, Optional[Data]])
def test_a_path_parameter_must_be_a_scalar(annotation: Any) -> None:
    def read(item_id: annotation) -> None: ...  # type: ignore[valid-type]

    with pytest.raises(AssertionError, match="Path params must be of one of the supported types"):
        API().get("/items/{item_id}")(read)


@pytest.mark.parametrize("annotation", [dict, list[Model], tuple[Struct, Struct], dict[str, int], Optional[Data]])
def test_a_query_parameter_must_be_a_scalar_or_a_sequence_of_them(annotation: Any) -> None:
    def read(q: annotation = Query(default=None)) -> None: ...  # type: ignore[valid-type]

    with pytest.raises(AssertionError, match="Query parameter 'q' must be one of the supported types"):
        API().get("/items")(read)


def test_scalar_and_sequence_query_parameters_are_accepted() -> None:
    app = API()

    @app.get("/items/{item_id}")
    def read(item_id: int, q: Annotated[Optional[list[int]], Query()] = None, flag: bool = False,
             tags: Annotated[set[str], Query()] = frozenset()) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "flag": flag, "tags": sorted(tags)}

    response = TestClient(app).get("/items/3?q=1&q=2&flag=yes&tags=a")
    assert response.json() == {"item_id": 3, "q": [1, 2], "flag": True, "tags": ["a"]}

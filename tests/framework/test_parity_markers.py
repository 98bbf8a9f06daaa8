"""The parameter markers themselves on FastAPI and asgi_api: their repr(), the deprecation warnings of
`regex=`/`example=`, `allow_inf_nan`, aliases in the OpenAPI document and form `bytes` described as files."""

import importlib
import warnings
from typing import Annotated, Any

import fastapi
import fastapi.exceptions
import fastapi.params
import pytest

import asgi_api
import asgi_api.exceptions
import asgi_api.params
from tests.framework.parity import call, parity_test


def get_user() -> dict[str, Any]:
    return {}


MARKERS = ["Path", "Query", "Header", "Cookie", "Body", "Form", "File"]
DEFAULTS = ["text", None, ..., 1, [], b"raw"]


@pytest.mark.parametrize("name", MARKERS)
@pytest.mark.parametrize("default", DEFAULTS, ids=repr)
def test_marker_repr(name: str, default: Any) -> None:
    """`repr(Query(1))` is `Query(1)`, and a required one prints `Query(PydanticUndefined)`, as in FastAPI."""
    if name == "Path" and default is not ...:
        default = ...  # FastAPI refuses a path parameter's default
    assert repr(getattr(asgi_api, name)(default)) == repr(getattr(fastapi, name)(default))
    assert repr(getattr(asgi_api, name)()) == repr(getattr(fastapi, name)())


def test_param_base_repr() -> None:
    for default in DEFAULTS:
        assert repr(asgi_api.params.Param(default)) == repr(fastapi.params.Param(default))


@pytest.mark.parametrize("arguments", [(), (get_user,), (get_user, False)], ids=["none", "call", "no-cache"])
def test_dependency_repr(arguments: tuple[Any, ...]) -> None:
    dependency, *rest = arguments or (None,)
    use_cache = rest[0] if rest else True
    assert repr(asgi_api.Depends(dependency, use_cache=use_cache)) == \
        repr(fastapi.Depends(dependency, use_cache=use_cache))
    assert repr(asgi_api.Security(dependency, use_cache=use_cache)) == \
        repr(fastapi.Security(dependency, use_cache=use_cache))
    assert repr(asgi_api.Security(dependency, scopes=["items"])) == repr(fastapi.Security(dependency, scopes=["items"]))


@pytest.mark.parametrize("name", MARKERS)
@pytest.mark.parametrize("keyword", ["regex", "example"])
def test_deprecated_keywords_warn(name: str, keyword: str) -> None:
    """`Query(regex=...)` and `Query(example=...)` warn with FastAPIDeprecationWarning, pointing at
    the line that wrote them."""
    default = ... if name == "Path" else None
    with pytest.warns(fastapi.exceptions.FastAPIDeprecationWarning) as expected:
        getattr(fastapi, name)(default, **{keyword: "^a$"})
    with pytest.warns(asgi_api.exceptions.FastAPIDeprecationWarning) as caught:
        getattr(asgi_api, name)(default, **{keyword: "^a$"})
    assert str(caught[0].message) == str(expected[0].message)
    assert caught[0].filename == __file__  # (FastAPI's points into pytest for some markers)


def test_pattern_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        asgi_api.Query(None, pattern="^a$", examples=["a"])


def build_regex(fw):
    app = fw.API(title="T")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @app.get("/items")
        def items(q: Annotated[str | None, fw.Query(regex="^fixed$")] = None):
            return {"q": q}

        @app.post("/form")
        def form(q: Annotated[str | None, fw.Form(regex="^fixed$")] = None):
            return {"q": q}

    return app


test_regex_still_validates = parity_test(build_regex, [
    call("GET", "/items?q=fixed", 200),
    call("GET", "/items?q=other", 422),
    call("POST", "/form", 200, data={"q": "fixed"}),
    call("POST", "/form", 422, data={"q": "other"}),
    call("GET", "/openapi.json", 200),
])


def build_inf_nan(fw):
    app = fw.API(title="T")

    @app.post("/")
    def finite(x: Annotated[float, fw.Query(allow_inf_nan=True)] = 0,
               y: Annotated[float, fw.Query(allow_inf_nan=False, le=10)] = 0,
               z: Annotated[float | None, fw.Query()] = None,
               h: Annotated[float | None, fw.Header(allow_inf_nan=False)] = None,
               b: Annotated[float, fw.Body(allow_inf_nan=False, le=10)] = 0):
        return {"x": str(x), "y": y, "z": str(z), "h": h, "b": b}

    @app.post("/form")
    def form(f: Annotated[float, fw.Form(allow_inf_nan=False)]):
        return {"f": f}

    return app


test_allow_inf_nan = parity_test(build_inf_nan, [
    call("POST", "/?x=inf&z=nan", 200),
    call("POST", "/?x=-inf&y=-1.5&z=-Infinity", 200),
    call("POST", "/?y=inf", 422),
    call("POST", "/?y=-inf", 422),
    call("POST", "/?y=nan", 422),
    call("POST", "/?y=NaN", 422),
    call("POST", "/?y=20", 422),
    call("POST", "/", 422, headers={"h": "inf"}),
    call("POST", "/", 200, json=2.5),
    call("POST", "/", 422, json="inf"),
    call("POST", "/", 422, json="-inf"),
    call("POST", "/", 422, json="11"),
    call("POST", "/form", 422, data={"f": "nan"}),
    call("POST", "/form", 200, data={"f": "1e3"}),
    call("GET", "/openapi.json", 200),
])


def build_aliases(fw):
    app = fw.API(title="T")

    @app.post("/items/{item_id}")
    def items(item_id: Annotated[int, fw.Path()],
              a: Annotated[int, fw.Query(validation_alias="a_in")],
              b: Annotated[int, fw.Query(serialization_alias="b_out")] = 1,
              c: Annotated[int, fw.Query(alias="c_alias", validation_alias="c_in")] = 1,
              d: Annotated[int, fw.Query(alias="d_alias", serialization_alias="d_out")] = 1,
              e: Annotated[int, fw.Query(validation_alias="e_in", serialization_alias="e_out")] = 1,
              h: Annotated[int | None, fw.Header(validation_alias="x-h-in")] = None,
              k: Annotated[int | None, fw.Cookie(validation_alias="k_in")] = None,
              x: Annotated[int, fw.Body(validation_alias="x_in", serialization_alias="x_out")] = 1,
              y: Annotated[int, fw.Body(alias="y_alias")] = 1):
        return [item_id, a, b, c, d, e, h, k, x, y]

    @app.post("/files")
    def files(one: Annotated[bytes, fw.File(validation_alias="one_in")],
              many: Annotated[list[bytes] | None, fw.File(alias="many_alias")] = None,
              note: Annotated[bytes | None, fw.Form()] = None):
        return {"one": len(one), "many": None if many is None else [len(item) for item in many], "note": note}

    return app


test_validation_and_serialization_aliases = parity_test(build_aliases, [
    call("POST", "/items/1?a_in=1&b=2&c_in=3&d_alias=4&e_in=5", 200, json={"x_in": 6, "y_alias": 7},
         headers={"x-h-in": "8", "cookie": "k_in=9"}),
    call("POST", "/items/1?a=1&b_out=2&c_alias=3&d_out=4&e_out=5", 422, json={"x_out": 6, "y": 7}),
    call("POST", "/items/1?a_in=x&c_in=y&d_alias=z&e_in=w", 422, json={"x_in": "v", "y_alias": "u"},
         headers={"x-h-in": "t", "cookie": "k_in=s"}),
    call("POST", "/files", 200, files={"one_in": b"abc", "many_alias": b"de"}),
    call("POST", "/files", 422, files={"one": b"abc"}),
    call("GET", "/openapi.json", 200),
])


def build_examples(fw):
    app = fw.API(title="T")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @app.post("/items/{item_id}")
        def items(item_id: Annotated[str, fw.Path(example="item_1")],
                  q: Annotated[str | None, fw.Query(example="q1", examples=["q2", "q3"])] = None,
                  h: Annotated[str | None, fw.Header(openapi_examples={"one": {"summary": "One", "value": "1"}},
                                                     example="ignored")] = None,
                  body: Annotated[dict[str, int] | None, fw.Body(example={"a": 1}, examples=[{"b": 2}])] = None):
            return {"item_id": item_id, "q": q, "h": h, "body": body}

        @app.post("/named")
        def named(body: Annotated[int, fw.Body(openapi_examples={"small": {"value": 1}})]):
            return body

    return app


test_examples_beside_the_schema = parity_test(build_examples, [
    call("POST", "/items/a?q=b", 200),
    call("POST", "/named", 200, json=1),
    call("GET", "/openapi.json", 200),
])


def placeholder_types(name: str) -> tuple[Any, Any]:
    datastructures = importlib.import_module(f"{name}.datastructures")
    return datastructures.Default, datastructures.DefaultPlaceholder


@pytest.mark.parametrize("framework", ["fastapi", "asgi_api"])
def test_default_placeholder(framework: str) -> None:
    """`Default(value)`: equal by value, truthy as its value, and it holds the value."""
    Default, DefaultPlaceholder = placeholder_types(framework)
    assert Default("a") == Default("a") != Default("b")
    assert isinstance(Default(1), DefaultPlaceholder) and Default(1).value == 1
    assert Default("a") and not Default("")


def build_placeholders(fw):
    """An APIRouter subclass written for FastAPI forwards `Default(...)` placeholders; a class given
    that way is inherited over, as a default left out would be."""
    Default, _ = placeholder_types(fw.name)
    responses = fw.responses

    class Router(fw.APIRouter):
        def add_api_route(self, path, endpoint, *, response_class=Default(responses.JSONResponse),
                          generate_unique_id_function=Default(None), **options):
            options.pop("generate_unique_id_function", None)
            super().add_api_route(path, endpoint, response_class=response_class, **options)

    app = fw.API(title="T")
    plain = Router()
    html = Router(default_response_class=responses.HTMLResponse)
    chosen = Router()

    @plain.get("/plain")
    def in_plain():
        return "plain"

    @html.get("/html")
    def in_html():
        return "<b>html</b>"

    @chosen.get("/chosen", response_class=responses.PlainTextResponse)
    def in_chosen():
        return "chosen"

    @chosen.get("/placeholder", response_class=Default(responses.PlainTextResponse))
    def placeholder():
        return "placeholder"

    app.include_router(plain)
    app.include_router(plain, prefix="/text", default_response_class=responses.PlainTextResponse)
    app.include_router(html, default_response_class=responses.PlainTextResponse)
    app.include_router(chosen, default_response_class=responses.HTMLResponse)
    app.include_router(chosen, prefix="/left", default_response_class=Default(responses.HTMLResponse))
    return app


test_default_placeholders_in_routers = parity_test(build_placeholders, [
    call("GET", "/plain", 200),
    call("GET", "/text/plain", 200),
    call("GET", "/html", 200),
    call("GET", "/chosen", 200),
    call("GET", "/placeholder", 200),
    call("GET", "/left/placeholder", 200),
    call("GET", "/openapi.json", 200),
])

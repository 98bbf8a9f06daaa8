"""pydantic's parameter options on FastAPI and asgi_api: aliases, defaults, files, and the encoder's
handling of pydantic's own value types."""

import warnings
from typing import Annotated, Any, Optional

import pytest
from pydantic import AnyUrl, NameEmail, SecretStr

from tests.framework.parity import asgi_api_namespace, call, fastapi_namespace, parity_test


def build_defaults_and_files(fw: Any) -> Any:
    app = fw.API(title="Defaults", version="1")

    @app.post("/factory")
    def factory(
        q: Annotated[Optional[list[int]], fw.Query(default_factory=lambda: [10])],
        h: Annotated[Optional[list[int]], fw.Header(default_factory=lambda: [1])],
        b: Annotated[Optional[list[int]], fw.Body(default_factory=lambda: [2])],
    ) -> Any:
        return {"q": q, "h": h, "b": b}

    @app.post("/files")
    def files(one: Annotated[bytes, fw.File()], many: Annotated[Optional[list[bytes]], fw.File()] = None) -> Any:
        return {"one": len(one), "many": [len(item) for item in many or []]}

    return app


test_pydantic_defaults_and_files = parity_test(build_defaults_and_files, [
    call("POST", "/factory", 200, id="factory defaults"),
    call("POST", "/factory?q=1&q=2", 200, json=[3]),
    call("POST", "/factory?q=x", 422, json=["y"], id="bad items"),
    call("POST", "/files", 200, files=[("one", b"abc"), ("many", b"x"), ("many", b"yz")]),
    call("POST", "/files", 422, id="file missing"),
    call("GET", "/openapi.json", 200, id="factory defaults undocumented, bytes files as files"),
])


def test_param_markers_say_where_they_read() -> None:
    """`Query().in_` is FastAPI's `ParamTypes` member; code reads `.value` from it."""
    for fw in (fastapi_namespace(), asgi_api_namespace()):
        assert not isinstance(fw, str)
        for marker, where in ((fw.Query, "query"), (fw.Header, "header"), (fw.Cookie, "cookie"), (fw.Path, "path")):
            assert marker().in_.value == where


_VALUES: list[Any] = [
    SecretStr("hidden"),
    AnyUrl("https://example.com/a?b=1"),
    NameEmail("Ann", "ann@example.com"),
    {"nested": [SecretStr("x"), AnyUrl("http://h")]},
]


@pytest.mark.parametrize("value", _VALUES, ids=repr)
def test_jsonable_encoder_writes_pydantic_values_as_fastapi(value: Any) -> None:
    import fastapi.encoders

    import asgi_api.encoders

    assert asgi_api.encoders.jsonable_encoder(value) == fastapi.encoders.jsonable_encoder(value)


def test_jsonable_encoder_writes_pydantic_undefined_as_null() -> None:
    from pydantic_core import PydanticUndefined

    import asgi_api.encoders

    assert asgi_api.encoders.jsonable_encoder({"value": PydanticUndefined}) == {"value": None}


def _v1_model() -> type:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

    class Old(v1.BaseModel):
        name: str

    return Old


def test_pydantic_v1_models_are_refused_as_in_fastapi() -> None:
    import fastapi.exceptions

    import asgi_api
    import asgi_api.encoders
    import asgi_api.exceptions

    old = _v1_model()
    for fw, error in ((fastapi_namespace(), fastapi.exceptions.PydanticV1NotSupportedError),
                      (asgi_api_namespace(), asgi_api.exceptions.PydanticV1NotSupportedError)):
        assert not isinstance(fw, str)
        app = fw.API()
        def body(data: list[old]) -> Any:  # type: ignore[valid-type]
            return data

        def answer() -> old:  # type: ignore[valid-type]
            return old(name="x")

        with pytest.raises(error):
            app.post("/body")(body)
        with pytest.raises(error):
            app.get("/answer")(answer)
        with pytest.raises(error):
            app.get("/extra", response_model=None, responses={400: {"model": old}})(lambda: None)
    with pytest.raises(asgi_api.exceptions.PydanticV1NotSupportedError):
        asgi_api.encoders.jsonable_encoder({"model": old(name="x")})
    assert issubclass(asgi_api.exceptions.PydanticV1NotSupportedError, asgi_api.exceptions.FastAPIError)

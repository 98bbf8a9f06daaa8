"""pydantic's parameter options on FastAPI and asgi_api: aliases, defaults, files, and the encoder's
handling of pydantic's own value types."""

import warnings
from typing import Annotated, Any, Optional, Union

import pytest
from pydantic import AliasChoices, AnyUrl, BaseModel, ConfigDict, Field, NameEmail, SecretStr

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


def build_alias_choices(fw: Any) -> Any:
    app = fw.API(title="Choices", version="1")

    @app.post("/values/{second}")
    def values(
        path: Annotated[str, fw.Path(validation_alias=AliasChoices("first", "second"))],
        number: Annotated[int, fw.Query(alias="ignored", validation_alias=AliasChoices("first", "second"))],
        tags: Annotated[list[str], fw.Query(validation_alias=AliasChoices("tag", "label"))] = ["none"],  # noqa: B006
        token: Annotated[Optional[int], fw.Header(validation_alias=AliasChoices("X-Token", "legacy_token"))] = None,
        session: Annotated[Optional[int], fw.Cookie(validation_alias=AliasChoices("sid", "old_sid"))] = None,
        inferred: Annotated[int, Field(validation_alias=AliasChoices("n", "count"))] = 1,
    ) -> Any:
        return {"number": number, "tags": tags, "token": token, "session": session, "inferred": inferred,
                "path": path}

    @app.post("/body")
    def body(
        a: Annotated[int, fw.Body(validation_alias=AliasChoices("a", "alpha"))],
        b: Annotated[int, fw.Body(validation_alias=AliasChoices("b", "beta"))] = 0,
    ) -> Any:
        return {"a": a, "b": b}

    @app.post("/form")
    def form(
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("first", "second"))],
        items: Annotated[list[int], fw.Form(validation_alias=AliasChoices("item", "items"))] = [],  # noqa: B006
    ) -> Any:
        return {"value": value, "items": items}

    @app.post("/form-model")
    def form_model(data: Annotated[Choices, fw.Form()]) -> Any:
        return data.model_dump()

    return app


class Choices(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: Annotated[int, Field(validation_alias=AliasChoices("first", "second"))] = 10


test_pydantic_alias_choices = parity_test(build_alias_choices, [
    call("POST", "/values/p?second=2&label=a&label=b&count=3", 200, headers={"legacy_token": "4"},
         cookies={"old_sid": "5"}, id="the later choices"),
    call("POST", "/values/p?second=2&first=1&tag=x&label=y&n=7", 200, headers={"x-token": "3", "LEGACY_TOKEN": "9"},
         id="the first choice wins, headers in any case"),
    call("POST", "/values/p?second=1&second=2", 200, id="a repeated scalar: the last value"),
    call("POST", "/values/p", 422, id="missing under the first choice"),
    call("POST", "/values/p?ignored=1", 422, id="the plain alias is not read"),
    call("POST", "/values/p?first=&second=2", 422, id="an empty first choice is given", must_reject=True),
    call("POST", "/values/p?second=x&count=y", 422, headers={"legacy_token": "z"}, cookies={"old_sid": "w"},
         id="errors under the choice read", must_reject=True),
    call("POST", "/body", 200, json={"alpha": 1, "beta": 2}),
    call("POST", "/body", 422, json={"a": 1, "alpha": 5, "beta": None}, id="a null is given"),
    call("POST", "/body", 422, json={"alpha": "x"}, id="body error under the choice read", must_reject=True),
    call("POST", "/body", 422, json={"beta": 1}, id="body missing under the first choice"),
    call("POST", "/form", 200, data={"first": "", "second": "5", "items": ["1", "2"]}, id="an empty text is not given"),
    call("POST", "/form", 422, data={"first": "", "second": ""}, id="form missing under the first choice"),
    call("POST", "/form", 422, data={"first": "", "second": "x", "items": ["1", "y"]}, must_reject=True,
         id="form errors under the choice read"),
    call("POST", "/form-model", 200, data={"first": "", "second": "5"}, id="model: an empty text is not given"),
    call("POST", "/form-model", 200, data={"first": "1", "second": "5"}, id="model: later choices are extras"),
    call("POST", "/form-model", 422, data={"second": "x"}, id="model error under the choice read"),
    call("GET", "/openapi.json", 200, id="documented under the first choice"),
])


class Profile(BaseModel):
    name: str
    age: int = Field(validation_alias=AliasChoices("age", "years"))
    tags: list[str] = []


class Company(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: int


def build_form_models(fw: Any) -> Any:
    app = fw.API(title="Form models", version="1")

    @app.post("/mixed")
    def mixed(token: Annotated[str, fw.Form()], profile: Annotated[Profile, fw.Form()]) -> Any:
        return {"token": token, "profile": profile.model_dump()}

    @app.post("/optional")
    def optional(profile: Annotated[Optional[Profile], fw.Form()] = None) -> Any:
        return profile.model_dump() if profile else None

    @app.post("/nullable")
    def nullable(profile: Annotated[Optional[Profile], fw.Form()]) -> Any:
        return profile.model_dump() if profile else None

    @app.post("/union")
    def union(data: Annotated[Union[Profile, Company], fw.Form()]) -> Any:
        return data.model_dump()

    @app.post("/optional-union")
    def optional_union(token: Annotated[str, fw.Form()] = "x",
                       data: Annotated[Union[Profile, Company, None], fw.Form()] = None) -> Any:
        return {"token": token, "data": data.model_dump() if data else None}

    return app


test_pydantic_form_model_documents = parity_test(build_form_models, [
    call("POST", "/mixed", 200, data={"token": "t", "name": "ann", "years": "3"}),
    call("POST", "/mixed", 422, data={"token": "t", "name": "ann", "years": "x"}, must_reject=True),
    call("POST", "/optional", 200, id="an optional model left out"),
    call("POST", "/optional", 422, data={"name": "ann"}, id="an optional model given in part", must_reject=True),
    call("POST", "/union", 200, data={"code": "7"}),
    call("POST", "/union", 422, data={"code": "x"}, must_reject=True),
    call("POST", "/optional-union", 422, data={"token": "y"}, id="a sibling field activates an extra=forbid union"),
    call("POST", "/optional-union", 200, id="an optional union left out"),
    call("GET", "/openapi.json", 200, id="form models as allOf conditions, optional ones met by their absence"),
])


def build_field_defaults(fw: Any) -> Any:
    app = fw.API(title="Field defaults", version="1")

    @app.post("/")
    def read(
        values: Annotated[list[int], Field(default_factory=list, min_length=1, validate_default=True)],
        count: Annotated[int, Field(gt=0, validate_default=True)] = -1,
        made: Annotated[int, Field(default_factory=lambda: 5), fw.Query()] = ...,  # type: ignore[assignment]
        kept: Annotated[int, Field(gt=0, validate_default=True), fw.Query(validate_default=False)] = -2,
    ) -> Any:
        return {"values": values, "count": count, "made": made, "kept": kept}

    return app


test_pydantic_field_defaults = parity_test(build_field_defaults, [
    call("POST", "/", 422, id="defaults validated, as the Field asks", must_reject=True),
    call("POST", "/?count=2&made=7", 200, json=[1]),
    call("POST", "/?count=2", 200, json=[1], id="a Field's default_factory"),
    call("GET", "/openapi.json", 200),
])

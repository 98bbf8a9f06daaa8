"""pydantic models on FastAPI and asgi_api: bodies, responses, parameters, errors, OpenAPI documents."""



import datetime
import decimal
import re
from typing import Annotated, Any, Generic, Literal, Optional, TypeVar, Union

import pytest
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    Json,
    StringConstraints,
    computed_field,
    conint,
    field_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from starlette.testclient import TestClient

from tests.framework.parity import asgi_api_namespace, call, fastapi_namespace, parity_test, raw_call

T = TypeVar("T")
Email = Annotated[str, StringConstraints(pattern=r"^[^@ ]+@[^@ ]+$", to_lower=True)]


class Tag(BaseModel):
    name: str = Field(min_length=2, max_length=10)


class Item(BaseModel):
    """An item for sale.\fInternal notes cut from the docs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(alias="itemName")
    price: float = Field(gt=0, le=1_000_000)
    tags: list[Tag] = []
    note: Optional[str] = None
    sku: str = Field(default="none", validation_alias=AliasChoices("sku", "SKU"))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doubled(self) -> float:
        return self.price * 2


class Page(BaseModel, Generic[T]):
    items: list[T]
    count: int


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Pet(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="kind")


class Tree(BaseModel):
    value: int
    children: list["Tree"] = []


class Account(BaseModel):
    email: Email
    site: Optional[HttpUrl] = None
    balance: decimal.Decimal = Field(default=decimal.Decimal("0"), max_digits=6, decimal_places=2)
    since: datetime.date

    @field_validator("email")
    @classmethod
    def not_example(cls, value: str) -> str:
        if value.endswith("@example.org"):
            raise ValueError("example addresses are not accepted")
        return value


class Secret(BaseModel):
    name: str
    password: str


class Public(BaseModel):
    name: str


@pydantic_dataclass
class Point:
    x: int
    y: int = 0


class Filters(BaseModel):
    limit: int = Field(default=10, gt=0, le=100)
    order: Literal["asc", "desc"] = "asc"


def build(fw: Any) -> Any:
    app = fw.API(title="Shop", version="1")

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    @app.post("/items/embedded")
    def embedded(item: Annotated[Item, fw.Body(embed=True)], count: Annotated[int, fw.Body()] = 1) -> Any:
        return {"name": item.name, "count": count}

    @app.get("/page", response_model=Page[Item])
    def page(n: Annotated[int, fw.Query(gt=0)] = 1) -> Any:
        return {"items": [{"itemName": "a", "price": 1.5}], "count": n}

    @app.post("/pets")
    def pets(pet: Pet) -> Pet:
        return pet

    @app.post("/union")
    def union(value: Union[Tag, Point]) -> Any:
        return {"type": type(value).__name__}

    @app.post("/tree")
    def tree(tree: Tree) -> int:
        def total(node: Tree) -> int:
            return node.value + sum(total(child) for child in node.children)

        return total(tree)

    @app.post("/accounts")
    def account(account: Account) -> Account:
        return account

    @app.post("/points")
    def point(point: Point) -> Point:
        return point

    @app.post("/users", response_model=Public)
    def user(user: Secret) -> Any:
        return user

    @app.get("/users/dict", response_model=Public)
    def user_dict() -> Any:
        return {"name": "ann", "password": "hidden"}

    @app.get("/broken", response_model=Public)
    def broken() -> Any:
        return {"nom": "x"}

    @app.get("/free")
    def free() -> Any:
        return {"item": Item(itemName="x", price=2), "point": Point(x=1)}

    @app.get("/unset", response_model=Item, response_model_exclude_unset=True)
    def unset() -> Any:
        return Item(itemName="x", price=3)

    @app.get("/none", response_model=Item, response_model_exclude_none=True)
    def none() -> Any:
        return {"itemName": "x", "price": 3}

    @app.get("/picked", response_model=Item, response_model_include={"name", "tags"}, response_model_by_alias=False)
    def picked() -> Any:
        return {"itemName": "x", "price": 3, "tags": [{"name": "ab"}]}

    @app.get("/trimmed", response_model=Item, response_model_exclude={"tags"}, response_model_exclude_defaults=True)
    def trimmed() -> Any:
        return {"itemName": "x", "price": 3, "sku": "none"}

    @app.get("/constrained")
    def constrained(size: Annotated[int, Field(ge=2)], level: conint(lt=5) = 1,  # type: ignore[valid-type]
                    contact: Annotated[Optional[Email], fw.Header()] = None) -> Any:
        return {"size": size, "level": level, "contact": contact}

    @app.get("/search")
    def search(limit: Annotated[int, fw.Query(le=5)] = 2, tags: Annotated[list[str], fw.Query()] = ()) -> Page[str]:
        return Page[str](items=list(tags)[:limit], count=len(tags))

    return app


test_pydantic_bodies = parity_test(build, [
    call("POST", "/items", 200, json={"itemName": "lamp", "price": 12, "tags": [{"name": "home"}]}),
    call("POST", "/items", 200, json={"name": "lamp", "price": 12, "SKU": "L-1"}, id="populate_by_name"),
    call("POST", "/items", 422, json={"itemName": "lamp", "price": -1, "tags": [{"name": "h"}], "extra": 1},
         must_reject=True),
    call("POST", "/items", 422, json={}, id="missing fields"),
    call("POST", "/items", 422, json=[1, 2], id="a list"),
    call("POST", "/items", 422, json={"itemName": 5, "price": "cheap"}, id="wrong types"),
    call("POST", "/items", 422, json={"itemName": "x", "price": 10**400}, id="huge number"),
    call("POST", "/items", 422, json={"itemName": "x", "price": 2e6}, id="over le"),
    call("POST", "/items", 422, content=b'{"itemName": "x", "price": ', headers={"content-type": "application/json"},
         id="malformed JSON"),
    call("POST", "/items", 422, content=b'{"itemName": "x"}', id="no content type"),
    call("POST", "/items", 422, id="no body"),
    raw_call("POST", "/items", 400, headers=[(b"content-type", b"application/json")],
             body=b'{"itemName": "\xff", "price": 1}', id="invalid UTF-8"),
    call("POST", "/items", 400, content=b"[" * 5000 + b"]" * 5000, headers={"content-type": "application/json"},
         id="deep nesting"),
    call("POST", "/items/embedded", 200, json={"item": {"itemName": "a", "price": 1}, "count": 3}),
    call("POST", "/items/embedded", 422, json={"item": {"itemName": "a"}, "count": "x"}),
    call("POST", "/items/embedded", 422, json=[1], id="embedded, not an object"),
    call("POST", "/pets", 200, json={"pet": {"kind": "dog"}}),
    call("POST", "/pets", 422, json={"pet": {"kind": "fish"}}, id="discriminator"),
    call("POST", "/pets", 422, json={"pet": {"lives": 3}}, id="no discriminator"),
    call("POST", "/union", 200, json={"name": "ab"}),
    call("POST", "/union", 200, json={"x": 3}),
    call("POST", "/union", 422, json={"y": "z"}),
    call("POST", "/tree", 200, json={"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}),
    call("POST", "/tree", 422, json={"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}),
    call("POST", "/accounts", 200, json={"email": "a@shop.io", "site": "https://shop.io", "balance": "12.5",
                                         "since": "2024-02-03"}),
    call("POST", "/accounts", 422, json={"email": "nope", "site": "ftp:/x", "balance": "1234.567",
                                         "since": "2024-13-01"}),
    call("POST", "/accounts", 422, json={"email": "b@example.org", "since": "2024-01-01"}, id="validator ctx"),
    call("POST", "/points", 200, json={"x": "4"}),
    call("POST", "/points", 422, json={"x": "four"}),
])

test_pydantic_responses = parity_test(build, [
    call("GET", "/page?n=2", 200, headers_compared=["content-length"]),
    call("GET", "/page?n=0", 422),
    call("POST", "/users", 200, json={"name": "ann", "password": "x"}),
    call("GET", "/users/dict", 200),
    call("GET", "/free", 200),
    call("GET", "/unset", 200, headers_compared=["content-length"]),
    call("GET", "/none", 200, headers_compared=["content-length"]),
    call("GET", "/picked", 200, headers_compared=["content-length"]),
    call("GET", "/trimmed", 200, headers_compared=["content-length"]),
])

test_pydantic_parameters = parity_test(build, [
    call("GET", "/constrained?size=3&level=4", 200),
    call("GET", "/constrained?size=1&level=9", 422),
    call("GET", "/constrained?size=x", 422),
    call("GET", "/constrained?size=2", 200, headers={"contact": "a@shop.io"}),
    call("GET", "/constrained?size=2", 422, headers={"contact": "not an address"}),
    call("GET", "/search?tags=a&tags=b&tags=c&limit=2", 200),
    call("GET", "/search?limit=9", 422),
])

test_pydantic_openapi = parity_test(build, [call("GET", "/openapi.json", 200)])


def test_a_server_error_when_the_response_does_not_fit() -> None:
    for namespace in (fastapi_namespace(), asgi_api_namespace()):
        client = TestClient(build(namespace))
        with pytest.raises(Exception, match="nom|name"):
            client.get("/broken")


class ListFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, gt=0, le=100, description="How many")
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    trace: Optional[str] = Field(default=None, alias="X-Trace")
    x_tag: list[str] = []


class Session(BaseModel):
    session_id: str
    tracker: Optional[str] = None


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str = Field(min_length=3)
    roles: list[str] = []


def build_parameter_models(fw: Any) -> Any:
    app = fw.API(title="Models", version="1")

    @app.get("/items")
    def items(filters: Annotated[ListFilter, fw.Query()]) -> ListFilter:
        return filters

    @app.get("/maybe")
    def maybe(filters: Annotated[Optional[ListFilter], fw.Query()] = None) -> Any:
        return filters

    @app.get("/headers")
    def headers(found: Annotated[CommonHeaders, fw.Header()]) -> CommonHeaders:
        return found

    @app.get("/cookies")
    def cookies(found: Annotated[Session, fw.Cookie()]) -> Session:
        return found

    @app.get("/json")
    def json_text(data: Annotated[Json[Session], fw.Query()], limit: Annotated[int, fw.Query()] = 10) -> Any:
        return {"data": data, "limit": limit}

    @app.get("/cookies/maybe")
    def maybe_cookies(found: Annotated[Optional[Session], fw.Cookie()] = None) -> Any:
        return found

    @app.post("/login")
    def login(form: Annotated[Login, fw.Form()]) -> Login:
        return form

    return app


test_pydantic_parameter_models = parity_test(build_parameter_models, [
    call("GET", "/items?limit=5&tags=a&tags=b", 200),
    call("GET", "/items", 200, id="defaults"),
    call("GET", "/items?limit=500&order_by=name&tool=plumbus", 422, id="constraints and extra_forbidden"),
    call("GET", "/maybe", 200, id="optional model, nothing given"),
    call("GET", "/maybe?limit=3", 200),
    call("GET", "/headers", 200, headers={"save-data": "true", "x-trace": "t1", "x-tag": "1"}),
    call("GET", "/headers", 422, headers={"save_data": "yes"}, id="underscore header is not the field"),
    call("GET", "/headers", 422, headers={"save-data": "maybe"}, id="header error under its name"),
    call("GET", "/cookies", 200, cookies={"session_id": "s1"}),
    call("GET", "/cookies", 422, id="missing cookie"),
    call("GET", "/json", 200, params={"data": '{"session_id": "s"}'}, id="Json[Model] is one parameter"),
    call("GET", "/cookies/maybe", 200, id="optional model left out"),
    call("GET", "/cookies/maybe", 422, cookies={"tracker": "t"}, id="optional model given in part"),
    call("POST", "/login", 200, data={"username": "ann", "password": "secret", "roles": ["a", "b"]}),
    call("POST", "/login", 422, data={"username": "ann", "password": "x", "admin": "1"}, id="form extra_forbidden"),
    call("POST", "/login", 422, data={"username": "", "password": ""}, id="empty form fields are missing"),
    call("GET", "/openapi.json", 200),
])


def build_one_schema(fw: Any) -> Any:
    app = fw.API(title="One schema", version="1", separate_input_output_schemas=False)

    @app.post("/items")
    def create(item: Item) -> Item:
        return item

    @app.get("/pages", responses={404: {"model": Page[Tag]}})
    def pages() -> Page[Item]:
        return Page[Item](items=[], count=0)

    @app.put("/trees")
    def trees(tree: Tree) -> Tree:
        return tree

    return app


test_pydantic_one_schema_per_model = parity_test(build_one_schema, [call("GET", "/openapi.json", 200)])


def _double(value: Any) -> int:
    return 0 if value is None else int(value) * 2


Doubled = Annotated[Optional[int], BeforeValidator(_double)]


class Aliased(BaseModel):
    p: str = Field(validation_alias="p_val_alias")


def build_switches(fw: Any) -> Any:
    app = fw.API(title="Switches", version="1")

    @app.post("/defaults")
    def defaults(q: Annotated[Doubled, fw.Query(validate_default=True)] = 10,
                 h: Annotated[Doubled, fw.Header()] = 10,
                 f: Annotated[Doubled, fw.Form(validate_default=True)] = 1) -> Any:
        return {"q": q, "h": h, "f": f}

    @app.get("/pattern")
    def pattern(code: Annotated[str, fw.Query(pattern=re.compile(r"^[a-z]+$"))]) -> str:
        return code

    @app.get("/nocase")
    def nocase(code: Annotated[str, fw.Query(pattern=re.compile(r"^abc$", re.IGNORECASE))]) -> str:
        return code

    @app.get("/aliased")
    def aliased(found: Annotated[Aliased, fw.Query()]) -> str:
        return found.p

    @app.get("/wire")
    def wire(value: Annotated[int, Field(alias="unused", validation_alias="wire"), fw.Query()]) -> int:
        return value

    @app.get("/left")
    def left(value: Annotated[Union[int, str], fw.Query(union_mode="left_to_right")]) -> Any:
        return value

    @app.post("/fast")
    def fast(values: Annotated[list[int], fw.Body(fail_fast=True, embed=True)],
             count: Annotated[int, fw.Body(strict=True)] = 0) -> Any:
        return {"values": values, "count": count}

    return app


test_pydantic_parameter_switches = parity_test(build_switches, [
    call("POST", "/defaults", 200, data={"x": "1"}, id="defaults validated only where asked"),
    call("POST", "/defaults?q=3", 200, data={"f": "5"}, headers={"h": "4"}),
    call("GET", "/pattern?code=abc", 200),
    call("GET", "/pattern?code=ABC", 422, id="a compiled pattern"),
    call("GET", "/nocase?code=ABC", 200, id="a compiled pattern's flags"),
    call("GET", "/aliased?p_val_alias=x", 200),
    call("GET", "/wire?wire=5", 200, id="alias from a pydantic Field beside the marker"),
    call("GET", "/wire?value=5", 422),
    call("GET", "/left?value=123", 200, id="union_mode=left_to_right"),
    call("POST", "/fast", 422, json={"values": ["a", "b"]}, id="fail_fast: one error"),
    call("POST", "/fast", 422, json={"values": [1], "count": "2"}, id="strict"),
    call("POST", "/fast", 200, json={"values": [1], "count": 2}),
    call("GET", "/openapi.json", 200),
])


class Person(BaseModel):
    kind: Literal["person"]
    name: str
    tags: list[str] = []


class Company(BaseModel):
    kind: Literal["company"]
    company_name: str


def build_form_unions(fw: Any) -> Any:
    app = fw.API(title="Form unions", version="1")

    @app.post("/contact")
    def contact(contact: Annotated[Union[Person, Company], fw.Form()]) -> Any:
        return contact

    @app.post("/tagged")
    def tagged(contact: Annotated[Union[Person, Company], Field(discriminator="kind"), fw.Form()]) -> Any:
        return contact

    @app.post("/optional")
    def optional(contact: Annotated[Optional[Union[Person, Company]], fw.Form()] = None) -> Any:
        return contact

    @app.post("/marker")
    def marker(contact: Annotated[Optional[Union[Person, Company]], fw.Form(discriminator="kind")] = None) -> Any:
        return contact

    return app


_CONTACTS = [({"kind": "person", "name": "Rick", "tags": ["a", "b"]}, 200),
             ({"kind": "company", "company_name": "Acme"}, 200),
             ({"kind": "person"}, 422), ({"kind": "robot"}, 422), ({}, 422)]
test_pydantic_form_unions = parity_test(build_form_unions, [
    call("POST", path, 200 if path in ("/optional", "/marker") and not data else status, data=data)
    for path in ("/contact", "/tagged", "/optional", "/marker") for data, status in _CONTACTS
])

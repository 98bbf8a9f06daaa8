"""Request bodies on FastAPI and asgi_api: dataclasses, TypedDicts, containers, embedding, errors."""

import dataclasses
import datetime
import decimal
import enum
import uuid
from typing import Annotated, Literal, Optional, Union

from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from tests.framework.parity import call, parity_test


class Status(str, enum.Enum):
    draft = "draft"
    published = "published"


@dataclasses.dataclass
class Item:
    name: str
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)
    description: Optional[str] = None


@dataclasses.dataclass
class User:
    username: str
    age: int = 0


@dataclasses.dataclass
class Customer:
    email: str
    vip: bool = False


@dataclasses.dataclass
class Order:
    id: int
    items: list[Item]
    customer: Customer
    notes: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Post:
    title: str
    status: Status
    kind: Literal["article", "note"] = "article"


@dataclasses.dataclass
class Event:
    key: uuid.UUID
    day: datetime.date
    at: datetime.datetime
    amount: decimal.Decimal


class Point(TypedDict):
    x: int
    y: int


class Patch(TypedDict, total=False):
    title: str
    views: int


def build(fw):
    app = fw.API()

    @app.post("/items")
    def create_item(item: Item):
        return {"item": item, "type": type(item).__name__}

    @app.put("/items/{item_id}")
    def replace_item(item_id: int, item: Item, q: Optional[str] = None):
        return {"item_id": item_id, "item": item, "q": q}

    @app.post("/points")
    def create_point(point: Point):
        return {"point": point, "sum": point["x"] + point["y"]}

    @app.patch("/patch")
    def patch(changes: Patch):
        return {"changes": changes, "keys": sorted(changes)}

    @app.post("/dict")
    def free_dict(data: dict):
        return {"data": data}

    @app.post("/counts")
    def counts(data: dict[str, int]):
        return {"total": sum(data.values())}

    @app.post("/item-list")
    def item_list(items: list[Item]):
        return {"names": [item.name for item in items]}

    @app.post("/orders")
    def create_order(order: Order):
        return {"id": order.id, "items": len(order.items), "customer": order.customer.email}

    @app.post("/two")
    def two(item: Item, user: User):
        return {"item": item.name, "user": user.username}

    @app.post("/embedded")
    def embedded(item: Item = fw.Body(embed=True)):
        return {"item": item.name}

    @app.post("/scalar")
    def scalar(importance: int = fw.Body()):
        return {"importance": importance}

    @app.post("/mixed")
    def mixed(item: Item, user: User, importance: Annotated[int, fw.Body(gt=0)]):
        return {"item": item.name, "user": user.username, "importance": importance}

    @app.post("/optional")
    def optional(item: Optional[Item] = None):
        return {"item": item}

    @app.post("/posts")
    def create_post(post: Post):
        return {"post": post}

    @app.post("/events")
    def create_event(event: Event):
        return {"event": event, "next": event.day + datetime.timedelta(days=1)}

    @app.post("/numbers")
    def numbers(values: list[int]):
        return {"sum": sum(values)}

    return app


ITEM = {"name": "hammer", "price": 9.5}

test_dataclass_body = parity_test(build, [
    call("POST", "/items", 200, json=ITEM),
    call("POST", "/items", 200, json={**ITEM, "tags": ["tools"], "description": "heavy"}),
    call("POST", "/items", 200, json={**ITEM, "unknown": 1, "other": [1, 2]}, id="extra fields are ignored"),
    call("POST", "/items", 200, json={"name": "x", "price": "3.5"}, id="numeric string coerced to float"),
    call("POST", "/items", 200, json={"name": "x", "price": 3}),
    call("POST", "/items", 422, json={"name": "x"}),
    call("POST", "/items", 422, json={}),
    call("POST", "/items", 422, json={"name": 5, "price": "cheap"}),
    call("POST", "/items", 422, json={"name": "x", "price": 1, "tags": "a"}),
    call("POST", "/items", 422, json={"name": "x", "price": 1, "tags": ["a", 2, None]}),
    call("POST", "/items", 422, json={"name": None, "price": None}),
    call("POST", "/items", 422, json=[ITEM]),
    call("POST", "/items", 422, json="hammer"),
    call("POST", "/items", 422, json=None, id="null body"),
    call("POST", "/items", 422, id="no body at all"),
    call("PUT", "/items/3?q=x", 200, json=ITEM),
    call("PUT", "/items/x", 422, json={"name": 1}, id="path and body errors together"),
])

test_typed_dict_and_dict_bodies = parity_test(build, [
    call("POST", "/points", 200, json={"x": 1, "y": 2}),
    call("POST", "/points", 200, json={"x": 1, "y": 2, "z": 3}),
    call("POST", "/points", 422, json={"x": 1}),
    call("POST", "/points", 422, json={"x": "a", "y": 1.5}),
    call("PATCH", "/patch", 200, json={}),
    call("PATCH", "/patch", 200, json={"views": 3}),
    call("PATCH", "/patch", 422, json={"views": "many"}),
    call("POST", "/dict", 200, json={"a": [1, {"b": None}]}),
    call("POST", "/dict", 422, json=[1, 2]),
    call("POST", "/counts", 200, json={"a": 1, "b": 2}),
    call("POST", "/counts", 422, json={"a": 1, "b": "two", "c": "three"}),
    call("POST", "/numbers", 200, json=[1, 2, 3]),
    call("POST", "/numbers", 422, json=[1, "x", 3.5]),
    call("POST", "/numbers", 422, json={"values": [1]}),
])

test_nested_and_list_bodies = parity_test(build, [
    call("POST", "/item-list", 200, json=[ITEM, {"name": "saw", "price": 12}]),
    call("POST", "/item-list", 200, json=[]),
    call("POST", "/item-list", 422, json=[ITEM, {"name": "saw"}, {"price": 1}]),
    call("POST", "/item-list", 422, json=ITEM),
    call("POST", "/orders", 200, json={"id": 1, "items": [ITEM], "customer": {"email": "a@b.c"}}),
    call("POST", "/orders", 422,
         json={"id": 1, "items": [{"name": "x", "price": "free"}], "customer": {"email": "a@b.c"}},
         id="error deep inside: body.items.0.price"),
    call("POST", "/orders", 422, json={"id": "one", "items": [ITEM, {}], "customer": {"vip": "maybe"},
                                       "notes": {"a": "b"}}, id="several nested errors in field order"),
    call("POST", "/orders", 422, json={"id": 1, "items": None, "customer": None}),
    call("POST", "/posts", 200, json={"title": "t", "status": "draft"}),
    call("POST", "/posts", 200, json={"title": "t", "status": "published", "kind": "note"}),
    call("POST", "/posts", 422, json={"title": "t", "status": "archived"}),
    call("POST", "/posts", 422, json={"title": "t", "status": "draft", "kind": "poem"}),
    call("POST", "/events", 200, json={"key": "12345678-1234-5678-1234-567812345678", "day": "2024-02-28",
                                       "at": "2024-02-28T10:00:00", "amount": "10.25"}),
    call("POST", "/events", 200, json={"key": "12345678123456781234567812345678", "day": "2024-02-28",
                                       "at": "2024-02-28T10:00:00+01:00", "amount": 3}),
    call("POST", "/events", 422, json={"key": "k", "day": "2024-02-30", "at": "soon", "amount": "lots"}),
])

test_multiple_and_embedded_bodies = parity_test(build, [
    call("POST", "/two", 200, json={"item": ITEM, "user": {"username": "ann"}}),
    call("POST", "/two", 422, json={"item": ITEM}),
    call("POST", "/two", 422, json={**ITEM, "username": "ann"}, id="two models need their names as keys"),
    call("POST", "/two", 422, json={"item": {"name": "x"}, "user": {}}),
    call("POST", "/two", 422, id="two body params, no body"),
    call("POST", "/embedded", 200, json={"item": ITEM}),
    call("POST", "/embedded", 422, json=ITEM),
    call("POST", "/embedded", 422, json={"item": {"price": 1}}),
    call("POST", "/scalar", 200, json=5),
    call("POST", "/scalar", 200, json="7"),
    call("POST", "/scalar", 422, json={"importance": 5}),
    call("POST", "/scalar", 422, json="high"),
    call("POST", "/scalar", 422, id="scalar body missing"),
    call("POST", "/mixed", 200, json={"item": ITEM, "user": {"username": "u"}, "importance": 3}),
    call("POST", "/mixed", 422, json={"item": ITEM, "user": {"username": "u"}, "importance": 0}),
    call("POST", "/mixed", 422, json={"item": ITEM}),
    call("POST", "/optional", 200, id="optional body missing"),
    call("POST", "/optional", 200, json=ITEM),
    call("POST", "/optional", 200, json=None, id="optional body null"),
    call("POST", "/optional", 422, json={"name": "x"}),
])

test_body_encoding = parity_test(build, [
    call("POST", "/items", 422, content=b'{"name": "x", "price": 1', headers={"content-type": "application/json"},
         id="malformed JSON: truncated"),
    call("POST", "/items", 422, content=b"{name: 1}", headers={"content-type": "application/json"},
         id="malformed JSON: unquoted key"),
    call("POST", "/items", 422, content=b'{"name": "x",, "price": 1}', headers={"content-type": "application/json"},
         id="malformed JSON: double comma"),
    call("POST", "/items", 422, content=b"", headers={"content-type": "application/json"},
         id="empty body with JSON content type"),
    call("POST", "/items", 422, content=b'{"name": "x", "price": 1}', headers={"content-type": "text/plain"},
         id="JSON sent as text/plain"),
    call("POST", "/items", 422, content=b'{"name": "x", "price": 1}', id="JSON without a content type"),
    call("POST", "/items", 200, content=b'{"name": "x", "price": 1}',
         headers={"content-type": "application/json; charset=utf-8"}, id="JSON with a charset parameter"),
    call("POST", "/items", 200, content=b'{"name": "x", "price": 1}',
         headers={"content-type": "application/vnd.api+json"}, id="a +json media type"),
    call("POST", "/items", 200, content='{"name": "caf\u00e9", "price": 1}'.encode(),
         headers={"content-type": "application/json"}, id="UTF-8 text in JSON"),
    call("POST", "/dict", 200, content=b'{"a": 1, "a": 2}', headers={"content-type": "application/json"},
         id="duplicate key: last wins"),
    call("POST", "/dict", 422, content=b"{'a': 1}", headers={"content-type": "application/json"},
         id="malformed JSON: single quotes"),
    call("POST", "/scalar", 200, content=b"5", headers={"content-type": "text/plain"},
         id="a lone scalar body is read from the raw bytes whatever the content type"),
    call("POST", "/scalar", 422, content=b"five", headers={"content-type": "text/plain"},
         id="a lone scalar body from raw bytes is still validated"),
])


def build_optional_constrained(fw):
    app = fw.API()

    @app.post("/page")
    def page(page: Optional[int] = fw.Body(None, ge=1, embed=True), q: Optional[int] = fw.Query(None, ge=1)):
        return {"page": page, "q": q}

    return app


test_optional_constrained = parity_test(build_optional_constrained, [
    call("POST", "/page", 200, json={"page": None}, id="null for an optional constrained body value"),
    call("POST", "/page", 200, json={}, id="an optional constrained body value left out"),
    call("POST", "/page", 422, json={"page": 0}, must_reject=True),
    call("POST", "/page?q=0", 422, json={"page": 2}, must_reject=True),
    call("POST", "/page", 422, json={"page": False}, must_reject=True, headers_compared=["content-length"],
         id="false for an optional constrained body value reads as 0, below the bound"),
])


@dataclasses.dataclass
class Numbers:
    count: int
    ratio: float
    maybe: Optional[int] = None
    either: Union[int, str] = 0
    flag: bool = False
    label: str = ""
    counts: list[int] = dataclasses.field(default_factory=list)
    pair: tuple[int, float] = (0, 0.0)
    by_name: dict[str, int] = dataclasses.field(default_factory=dict)


def build_bools(fw):
    app = fw.API()

    @app.post("/numbers")
    def numbers(item: Numbers):
        return item

    @app.post("/embedded")
    def embedded(n: int = fw.Body(embed=True), x: float = fw.Body(1.0, embed=True)):
        return {"n": n, "x": x}

    return app


test_booleans_for_numbers = parity_test(build_bools, [
    call("POST", "/numbers", 200, json={"count": True, "ratio": False}, id="true and false for int and float"),
    call("POST", "/numbers", 200, json={"count": 1, "ratio": 1, "maybe": True, "either": True, "flag": True},
         id="booleans in Optional[int], int | str and bool fields"),
    call("POST", "/numbers", 200, json={"count": 1, "ratio": 1, "counts": [True, 2, False], "pair": [True, True],
                                        "by_name": {"a": True}}, id="booleans inside a list, a tuple and a dict"),
    call("POST", "/numbers", 422, json={"count": True, "ratio": 1, "label": True}, must_reject=True,
         id="a boolean for a str field is still wrong"),
    call("POST", "/numbers", 422, json={"count": True, "ratio": "x", "counts": [True, "y"]}, must_reject=True,
         id="booleans accepted while other fields fail"),
    call("POST", "/embedded", 200, json={"n": True, "x": True}, id="booleans for embedded numbers"),
])

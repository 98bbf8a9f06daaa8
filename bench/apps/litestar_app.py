"""Litestar peer: idiomatic Litestar with msgspec Structs, `Provide` for the dependency.

Configuration choices (everything else is Litestar's default):
- `openapi_config=None`: Litestar builds its schema lazily, on the first request to /schema, so it
  is never on the request path anyway; switching it off just leaves the routing trie holding the
  app's own routes only. (FastAPI and asgi_api keep their docs routes: they cost them nothing
  per request beyond a route-table entry either.)
- `debug` stays False and no middleware, compression, CORS, CSRF, caching or stores are configured.
- The default `LoggingConfig` stays: it is only set up at start-up and used on exceptions.
"""

from typing import Annotated

import msgspec
from litestar import Litestar, get, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED


class ItemIn(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


class Item(msgspec.Struct):
    id: int
    name: str
    price: float
    tags: list[str]
    q: str | None = None
    limit: int = 10


class Store:
    """Stands in for a repository object handed to endpoints by dependency injection."""

    next_id: int = 1  # fixed, so every peer and every run answers the same body


STORE = Store()


async def get_store() -> Store:
    return STORE


@get("/health")
async def health() -> bool:
    return True


@get("/items/{item_id:int}")
async def read_item(
    item_id: int, q: str | None = None, limit: Annotated[int, Parameter(ge=1, le=100)] = 10
) -> Item:
    return Item(id=item_id, name=f"item-{item_id}", price=9.99, tags=["a", "b"], q=q, limit=limit)


@post("/items", status_code=HTTP_201_CREATED, dependencies={"store": Provide(get_store)})
async def create_item(data: ItemIn, store: Store) -> Item:
    return Item(id=store.next_id, name=data.name, price=data.price, tags=data.tags)


app = Litestar(route_handlers=[health, read_item, create_item], openapi_config=None)

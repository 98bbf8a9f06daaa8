"""asgi_api peer: the FastAPI peer's source with the imports swapped and msgspec Structs as models."""

import msgspec

from asgi_api import API, Depends, Query, status


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


app = API()


@app.get("/health")
async def health() -> bool:
    return True


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None, limit: int = Query(10, ge=1, le=100)) -> Item:
    return Item(id=item_id, name=f"item-{item_id}", price=9.99, tags=["a", "b"], q=q, limit=limit)


@app.post("/items", status_code=status.HTTP_201_CREATED)
async def create_item(item: ItemIn, store: Store = Depends(get_store)) -> Item:
    return Item(id=store.next_id, name=item.name, price=item.price, tags=item.tags)

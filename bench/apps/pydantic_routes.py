"""The "create with a pydantic model" endpoint, the same source for asgi_api and FastAPI.

It is added to both apps only when throughput is measured, so that importing the apps (the
start-up figures) never imports pydantic; Litestar and Starlette have no such endpoint.
"""

from typing import Any

from pydantic import BaseModel, Field

PEERS = ("asgi_api", "FastAPI")


class ItemIn(BaseModel):
    name: str = Field(min_length=1)
    price: float = Field(gt=0)
    tags: list[str] = []


class Item(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]
    q: str | None = None
    limit: int = 10


async def create_item(item: ItemIn) -> Item:
    return Item(id=1, name=item.name, price=item.price, tags=item.tags)


def add_to(apps: dict[str, Any]) -> None:
    for name in PEERS:
        if name in apps:
            apps[name].add_api_route("/pydantic/items", create_item, methods=["POST"], status_code=201)

"""The README's quick-start example, with a dependency and a list route: a small item API.

Run it with `.venv/bin/uvicorn examples.demo:app --port 8000` (`make serve` runs the Prefect-compatible
server on 4200 instead).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec

from asgi_api import API, APIRouter, Depends, HTTPException, Query, status


class ItemIn(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


class Item(ItemIn):
    id: int = 0


async def store() -> AsyncIterator[dict[int, Item]]:
    yield ITEMS  # a real app would open a database session here


ITEMS: dict[int, Item] = {}
router = APIRouter(prefix="/items", tags=["items"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_item(item: ItemIn, db: dict[int, Item] = Depends(store)) -> Item:
    created = Item(id=len(db) + 1, **msgspec.structs.asdict(item))
    db[created.id] = created
    return created


@router.get("/{item_id}")
async def read_item(item_id: int, db: dict[int, Item] = Depends(store)) -> Item:
    if item_id not in db:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return db[item_id]


@router.get("/")
async def list_items(limit: int = Query(10, ge=1, le=100), db: dict[int, Item] = Depends(store)) -> list[Item]:
    return list(db.values())[:limit]


app = API(title="asgi_api demo")
app.include_router(router)


@app.get("/health")
async def health() -> bool:
    return True

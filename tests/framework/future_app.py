"""An app module written with postponed annotations: every hint is a string until resolved."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Annotated

import msgspec

from asgi_api import API, Body, Depends, Query


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


class Part(msgspec.Struct):
    sku: Annotated[str, msgspec.Meta(min_length=2)]
    quantity: Annotated[int, msgspec.Meta(ge=1)] = 1


class Order(msgspec.Struct, rename="camel"):
    order_id: uuid.UUID
    placed_at: datetime.datetime
    total: decimal.Decimal
    colour: Colour
    parts: list[Part] = []
    note: str | None = None


class Receipt(msgspec.Struct):
    order_id: uuid.UUID
    parts: int
    total: decimal.Decimal


def page(offset: int = 0, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> tuple[int, int]:
    return offset, limit


app = API()


@app.post("/orders", status_code=201)
async def place(order: Order) -> Receipt:
    return Receipt(order_id=order.order_id, parts=len(order.parts), total=order.total)


@app.get("/orders")
async def listing(paging: tuple[int, int] = Depends(page), colour: Colour | None = None) -> dict[str, object]:
    return {"paging": list(paging), "colour": colour}


@app.put("/orders/{order_id}/note")
async def annotate(order_id: uuid.UUID, note: Annotated[str, Body(embed=True, max_length=5)]) -> dict[str, str]:
    return {"order_id": str(order_id), "note": note}

"""A correct app: a type checker must report nothing."""

from typing import Annotated

import msgspec

from asgi_api import API, APIRouter, Body, Depends, Header, Query

app = API(title="Shop")
router = APIRouter(prefix="/items", tags=["items"])


class Item(msgspec.Struct):
    name: str
    price: float


def token(x_token: Annotated[str, Header()]) -> str:
    return x_token


@router.get("/{item_id}", response_model=Item, status_code=200, summary="Read an item")
async def read_item(item_id: int, q: Annotated[str | None, Query(max_length=10)] = None) -> Item:
    return Item(name=q or str(item_id), price=1.0)


@router.post("/", status_code=201, dependencies=[Depends(token)])
def create_item(item: Annotated[Item, Body(embed=True)], count: Annotated[int, Query(ge=1)] = 1) -> list[Item]:
    return [item] * count


app.include_router(router, prefix="/v1", responses={404: {"description": "Not found"}})

# The decorators return the endpoint itself, with its own type.
first: list[Item] = create_item(Item(name="a", price=2.0))

"""A rich app written once against the FastAPI-compatible API, built on either framework."""


import dataclasses
import datetime
import enum
import uuid
from types import SimpleNamespace
from typing import Annotated, Any, Literal, Optional


class Colour(str, enum.Enum):
    red = "red"
    green = "green"


@dataclasses.dataclass
class Tag:
    label: str
    weight: int = 1


@dataclasses.dataclass
class ItemIn:
    name: str
    price: float
    colour: Colour = Colour.red
    tags: list[Tag] = dataclasses.field(default_factory=list)
    note: Optional[str] = None


@dataclasses.dataclass
class Item:
    id: int
    name: str
    price: float
    colour: Colour
    tags: list[Tag]
    created: datetime.datetime


@dataclasses.dataclass
class Message:
    detail: str


def build(fw: Any) -> Any:
    """`fw` is a namespace exposing the FastAPI-style names (FastAPI's or asgi_api's)."""
    app = fw.API(title="Shop", version="1.2.3", description="A shop.",
                 openapi_tags=[{"name": "items", "description": "Things for sale"}])
    items: dict[int, Item] = {}

    def paging(offset: int = fw.Query(0, ge=0), limit: int = fw.Query(10, ge=1, le=50)) -> tuple[int, int]:
        return offset, limit

    def token(x_token: Annotated[Optional[str], fw.Header(description="An API token")] = None) -> Optional[str]:
        return x_token

    router = fw.APIRouter(prefix="/items", tags=["items"], dependencies=[fw.Depends(token)],
                          responses={404: {"model": Message, "description": "Not here"}})

    @router.post("/", status_code=201)
    def create_item(item: ItemIn) -> Item:
        """Create an item.

        The price is in euros.
        """
        created = Item(id=len(items) + 1, name=item.name, price=item.price, colour=item.colour, tags=item.tags,
                       created=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
        items[created.id] = created
        return created

    @router.get("/")
    def list_items(page: tuple[int, int] = fw.Depends(paging), colour: Optional[Colour] = None,
                   q: Annotated[Optional[str], fw.Query(max_length=20, pattern="^[a-z ]*$")] = None,
                   tag: list[str] = fw.Query([])) -> list[Item]:
        offset, limit = page
        return [item for item in items.values() if colour in (None, item.colour)][offset:offset + limit]

    @router.get("/{item_id}")
    def read_item(item_id: int = fw.Path(ge=1, description="The item id")) -> Item:
        if item_id not in items:
            raise fw.HTTPException(404, "Item not found")
        return items[item_id]

    @router.put("/{item_id}/tags")
    def set_tags(item_id: int, tags: list[Tag], replace: bool = fw.Body(True),
                 reason: str = fw.Body("", max_length=100)) -> Item:
        if item_id not in items:
            raise fw.HTTPException(404, "Item not found")
        item = items[item_id]
        item.tags = tags if replace else [*item.tags, *tags]
        return item

    @router.delete("/{item_id}", status_code=204)
    def delete_item(item_id: int) -> None:
        items.pop(item_id, None)

    @app.get("/orders/{order_id}", deprecated=True, summary="Read an order")
    async def read_order(order_id: uuid.UUID, session: Optional[str] = fw.Cookie(None),
                         kind: Literal["a", "b"] = "a") -> dict[str, str]:
        return {"order_id": str(order_id), "kind": kind}

    @app.get("/health")
    async def health() -> bool:
        return True

    @app.get("/hidden", include_in_schema=False)
    async def hidden() -> str:
        return "secret"

    @app.get("/page", response_class=fw.responses.HTMLResponse)
    async def page() -> str:
        return "<h1>Shop</h1>"

    app.include_router(router)
    return app


def namespace(module: Any, responses: Any) -> SimpleNamespace:
    names = ["APIRouter", "Body", "Cookie", "Depends", "HTTPException", "Header", "Path", "Query"]
    space = SimpleNamespace(**{name: getattr(module, name) for name in names}, responses=responses)
    space.API = getattr(module, "API", None) or module.FastAPI
    return space

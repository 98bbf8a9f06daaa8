"""An app with exactly four mistakes, each marked on its line; a type checker must report those."""

from asgi_api import API, APIRouter, Query

app = API()
router = APIRouter(prefx="/items")  # MISTAKE: unknown keyword


@app.get("/items", respons_model=None)  # MISTAKE: unknown keyword
def list_items(limit: int = Query(10, gte=1)) -> list[str]:  # MISTAKE: unknown marker keyword
    return ["a"] * limit


total: int = list_items()  # MISTAKE: the endpoint returns list[str]

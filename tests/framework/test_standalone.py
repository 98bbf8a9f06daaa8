"""The framework stands alone: without anything only the server needs, an API still serves requests.

A fresh interpreter refuses to import the server's dependencies (and `asgi_api.server` itself),
then builds an app with a router, a dependency and a msgspec body and drives it through a
hand-written ASGI exchange: no test client, since that needs httpx.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What `pip install asgi_api` leaves out: the `server` and `forms` extras, and the server's package.
# (The `docs` extra is only looked for, with `importlib.util.find_spec`, which a refusing hook cannot
# answer as "not installed" does.)
REFUSED = ("sqlalchemy", "databases", "uvicorn", "httpx", "asyncpg", "aiosqlite", "uvloop", "httptools",
           "websockets", "python_multipart", "multipart", "asgi_api.server")

SCRIPT = """
import importlib.abc
import sys

REFUSED = {refused!r}


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == refused or name.startswith(refused + ".") for refused in REFUSED):
            raise ModuleNotFoundError(f"{{name}} is refused: the framework must not need it", name=name)
        return None


sys.meta_path.insert(0, Refuse())
for name in REFUSED:  # the hook is in force
    try:
        __import__(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"importing {{name}} was not refused")

import json

import anyio
import msgspec

from asgi_api import API, APIRouter, Depends, HTTPException, Query


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


def current_user(x_user: str | None = None) -> str:
    if x_user is None:
        raise HTTPException(401, "who are you?")
    return x_user


router = APIRouter(prefix="/items", tags=["items"])
stored: dict[int, Item] = {{}}


@router.post("/", status_code=201)
async def create(item: Item, user: str = Depends(current_user)) -> dict:
    stored[len(stored) + 1] = item
    return {{"id": len(stored), "owner": user, "item": item}}


@router.get("/{{item_id}}", response_model=Item)
def read(item_id: int, upper: bool = Query(False)) -> Item:
    if item_id not in stored:
        raise HTTPException(404, "no such item")
    item = stored[item_id]
    return Item(item.name.upper(), item.price, item.tags) if upper else item


app = API(title="standalone")
app.include_router(router)


async def request(method, path, body=None, query=""):
    \"\"\"One HTTP exchange over ASGI: the status and the JSON body.\"\"\"
    raw = b"" if body is None else json.dumps(body).encode()
    scope = {{"type": "http", "asgi": {{"version": "3.0"}}, "http_version": "1.1", "method": method,
              "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
              "query_string": query.encode(), "headers": [(b"host", b"test"), (b"content-type", b"application/json"),
              (b"content-length", str(len(raw)).encode())], "client": ("127.0.0.1", 1), "server": ("test", 80)}}
    messages = [{{"type": "http.request", "body": raw, "more_body": False}}]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await anyio.sleep_forever()

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    content = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], json.loads(content)


async def main():
    results = {{
        "create": await request("POST", "/items/", {{"name": "pen", "price": 1.5}}, "x_user=ada"),
        "read": await request("GET", "/items/1"),
        "read upper": await request("GET", "/items/1", query="upper=true"),
        "missing": await request("GET", "/items/9"),
        "not an int": await request("GET", "/items/one"),
        "bad body": await request("POST", "/items/", {{"name": "pen"}}, "x_user=ada"),
        "no user": await request("POST", "/items/", {{"name": "pen", "price": 1}}),
        "openapi paths": (await request("GET", "/openapi.json"))[1]["paths"].keys(),
    }}
    print(json.dumps({{key: list(value) if key == "openapi paths" else value for key, value in results.items()}}))
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in REFUSED or name.startswith("asgi_api.server"))
    if leaked:
        raise SystemExit(f"imported anyway: {{leaked}}")


anyio.run(main)
"""


def test_the_framework_serves_requests_without_the_server_dependencies() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(refused=REFUSED)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(run.stdout.strip().splitlines()[-1])
    assert results["create"] == [201, {"id": 1, "owner": "ada", "item": {"name": "pen", "price": 1.5, "tags": []}}]
    assert results["read"] == [200, {"name": "pen", "price": 1.5, "tags": []}]
    assert results["read upper"] == [200, {"name": "PEN", "price": 1.5, "tags": []}]
    assert results["missing"] == [404, {"detail": "no such item"}]
    status, body = results["not an int"]
    assert status == 422 and body["detail"][0]["loc"] == ["path", "item_id"]
    status, body = results["bad body"]
    assert status == 422 and body["detail"][0]["type"] == "missing" and body["detail"][0]["loc"] == ["body", "price"]
    assert results["no user"] == [401, {"detail": "who are you?"}]
    assert results["openapi paths"] == ["/items/", "/items/{item_id}"]

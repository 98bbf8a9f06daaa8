"""Path parameters on FastAPI and asgi_api: conversion, Starlette converters, constraints, errors."""

import enum
import uuid
from typing import Annotated

from tests.framework.parity import call, parity_test


class Colour(str, enum.Enum):
    red = "red"
    green = "green"


class Level(enum.IntEnum):
    low = 1
    high = 2


def build(fw):
    app = fw.API()

    @app.get("/ints/{item_id}")
    def an_int(item_id: int):
        return {"item_id": item_id}

    @app.get("/floats/{value}")
    def a_float(value: float):
        return {"value": value}

    @app.get("/strs/{name}")
    def a_str(name: str):
        return {"name": name}

    @app.get("/uuids/{key}")
    def a_uuid(key: uuid.UUID):
        return {"key": key}

    @app.get("/colours/{colour}")
    def an_enum(colour: Colour):
        return {"colour": colour, "is_red": colour is Colour.red}

    @app.get("/levels/{level}")
    def an_int_enum(level: Level):
        return {"level": level}

    @app.get("/users/me")
    def current_user():
        return {"user": "me"}

    @app.get("/users/{user_id}")
    def user(user_id: int):
        return {"user": user_id}

    @app.get("/converted/{item_id:int}")
    def converted(item_id: int):
        return {"item_id": item_id, "type": type(item_id).__name__}

    @app.get("/files/{file_path:path}")
    def files(file_path: str):
        return {"file_path": file_path}

    @app.get("/bounded/{n}")
    def bounded(n: int = fw.Path(ge=1, le=10)):
        return {"n": n}

    @app.get("/strict/{n}")
    def strict(n: Annotated[float, fw.Path(gt=0, lt=1)]):
        return {"n": n}

    @app.get("/codes/{code}")
    def code(code: Annotated[str, fw.Path(min_length=2, max_length=4, pattern="^[a-z]+$")]):
        return {"code": code}

    @app.get("/two/{a}/{b}")
    def two(a: int, b: int):
        return {"sum": a + b}

    @app.get("/mixed/{a}")
    def mixed(a: int, q: int):
        return {"a": a, "q": q}

    return app


test_path_params = parity_test(build, [
    call("GET", "/ints/5", 200),
    call("GET", "/ints/-7", 200),
    call("GET", "/ints/007", 200),
    call("GET", "/ints/abc", 422),
    call("GET", "/ints/5.5", 422),
    call("GET", "/ints/5.0", 200),
    call("GET", "/ints/1e3", 422),
    call("GET", "/ints/%20", 422),
    call("GET", "/floats/2.5", 200),
    call("GET", "/floats/3", 200),
    call("GET", "/floats/-1e2", 200),
    call("GET", "/floats/x1", 422),
    call("GET", "/strs/hello%20world", 200),
    call("GET", "/strs/caf%C3%A9", 200),
    call("GET", "/strs/123", 200),
    call("GET", "/uuids/5a0c4a1a-9a3b-4f6e-8f0a-9b1c2d3e4f50", 200),
    call("GET", "/uuids/5A0C4A1A9A3B4F6E8F0A9B1C2D3E4F50", 200),
    call("GET", "/uuids/not-a-uuid", 422),
    call("GET", "/uuids/5a0c4a1a-9a3b-4f6e-8f0a", 422),
    call("GET", "/colours/red", 200),
    call("GET", "/colours/green", 200),
    call("GET", "/colours/RED", 422),
    call("GET", "/colours/blue", 422),
    call("GET", "/levels/2", 200),
    call("GET", "/levels/3", 422),
    call("GET", "/levels/high", 422),
    call("GET", "/users/me", 200),
    call("GET", "/users/42", 200),
    call("GET", "/users/you", 422),
    call("GET", "/converted/12", 200),
    call("GET", "/converted/abc", 404),
    call("GET", "/converted/-1", 404),
    call("GET", "/files/a/b/c.txt", 200),
    call("GET", "/files//etc/passwd", 200),
    call("GET", "/files/dir/", 200),
    call("GET", "/bounded/1", 200),
    call("GET", "/bounded/10", 200),
    call("GET", "/bounded/0", 422),
    call("GET", "/bounded/11", 422),
    call("GET", "/bounded/ten", 422),
    call("GET", "/strict/0.5", 200),
    call("GET", "/strict/0", 422),
    call("GET", "/strict/1", 422),
    call("GET", "/codes/ab", 200),
    call("GET", "/codes/a", 422),
    call("GET", "/codes/abcde", 422),
    call("GET", "/codes/AB", 422),
    call("GET", "/two/2/3", 200),
    call("GET", "/two/x/y", 422),
    call("GET", "/mixed/x?q=y", 422),
    call("GET", "/mixed/x", 422),
])

"""Forms on asgi_api alone: a Struct or dataclass read field by field from a form (FastAPI does this
for pydantic models only), temporary files closed after the response, python-multipart required."""

import dataclasses
from typing import Annotated

import msgspec
import pytest
from starlette.testclient import TestClient

from asgi_api import API, File, Form, UploadFile


class Signup(msgspec.Struct):
    name: str
    age: int
    tags: list[str] = []
    newsletter: bool = False


@dataclasses.dataclass
class Search:
    q: str
    limit: int = 10


def build() -> tuple[API, list[UploadFile]]:
    app = API()
    seen: list[UploadFile] = []

    @app.post("/signup")
    def signup(data: Annotated[Signup, Form()]) -> Signup:
        return data

    @app.post("/search")
    def search(data: Annotated[Search, Form()]) -> Search:
        return data

    @app.post("/upload")
    async def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        seen.append(file)
        return {"size": len(await file.read())}

    return app, seen


def test_struct_read_from_form_fields() -> None:
    client = TestClient(build()[0])
    response = client.post("/signup", data={"name": "ann", "age": "30", "tags": ["x", "y"], "newsletter": "on"})
    assert response.json() == {"name": "ann", "age": 30, "tags": ["x", "y"], "newsletter": True}
    response = client.post("/signup", data={"name": "ann", "tags": "x"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "age"], "msg": "Field required", "input": {"name": "ann", "tags": ["x"]}}]


def test_dataclass_read_from_form_fields() -> None:
    client = TestClient(build()[0])
    assert client.post("/search", data={"q": "a"}).json() == {"q": "a", "limit": 10}
    response = client.post("/search", data={"q": "a", "limit": "many"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "limit"]


def test_uploaded_files_are_closed_after_the_response() -> None:
    app, seen = build()
    response = TestClient(app).post("/upload", files={"file": ("a.bin", b"x" * 2_000_000)})
    assert response.json() == {"size": 2_000_000}
    assert seen[0].file.closed  # the spooled temporary file is gone


def test_openapi_form_bodies() -> None:
    paths = build()[0].openapi()["paths"]
    assert paths["/signup"]["post"]["requestBody"] == {
        "content": {"application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Signup"}}},
        "required": True}
    assert list(paths["/upload"]["post"]["requestBody"]["content"]) == ["multipart/form-data"]


def test_a_form_route_needs_python_multipart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating the route fails with FastAPI's message; routes without forms never import it."""
    import builtins
    real_import = builtins.__import__

    def refuse(name: str, *args: object, **kwargs: object) -> object:
        if name in ("python_multipart", "multipart"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    app = API()

    @app.post("/json")
    def plain(name: str) -> str:
        return name

    with pytest.raises(RuntimeError, match='Form data requires "python-multipart" to be installed'):
        @app.post("/form")
        def form(name: Annotated[str, Form()]) -> str:
            return name

"""Annotations FastAPI reads and asgi_api must too: postponed ones naming `TYPE_CHECKING`-only imports
in a dependency's return type, and PEP 695 aliases carrying `Depends`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import pytest
from starlette.testclient import TestClient
from typing_extensions import TypeAliasType

from asgi_api import API, Depends

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator  # never imported at run time


class Client:
    closed = False


async def get_client() -> AsyncGenerator[Client, None]:
    client = Client()
    yield client
    client.closed = True


async def answer() -> int:
    return 42


Answer = TypeAliasType("Answer", Annotated[int, Depends(answer)], type_params=())


def test_a_dependency_return_type_named_only_for_type_checkers_is_not_needed() -> None:
    app = API()
    clients: list[Client] = []

    @app.get("/")
    async def read(client: Annotated[Client, Depends(get_client)], value: Answer) -> int:
        clients.append(client)
        return value

    assert TestClient(app).get("/").json() == 42
    assert clients[0].closed


def test_an_unresolvable_parameter_annotation_still_fails_when_the_route_is_added() -> None:
    def read(client: Unknown) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 1

    with pytest.raises(TypeError, match="Cannot resolve the annotations of <function .*read.*'Unknown'"):
        API().get("/")(read)

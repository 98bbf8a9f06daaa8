"""The reference REST API, one router module per resource; `API_ROUTERS` lists them in order."""

from __future__ import annotations

from asgi_api.routing import APIRouter

API_ROUTERS: list[APIRouter] = []

"""`TestClient`: Starlette's (needs httpx), under FastAPI's path."""

from starlette.testclient import TestClient

__all__ = ["TestClient"]

"""Request types: Starlette's, under FastAPI's path."""

from starlette.requests import HTTPConnection, Request

__all__ = ["HTTPConnection", "Request"]

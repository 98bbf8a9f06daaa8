"""Middleware any Starlette app can use; `Middleware` is Starlette's, under FastAPI's path."""

from starlette.middleware import Middleware

__all__ = ["Middleware"]

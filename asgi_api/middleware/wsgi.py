"""`WSGIMiddleware`: Starlette's, under FastAPI's path."""

from starlette.middleware.wsgi import WSGIMiddleware

__all__ = ["WSGIMiddleware"]

"""`GZipMiddleware`: Starlette's, under FastAPI's path."""

from starlette.middleware.gzip import GZipMiddleware

__all__ = ["GZipMiddleware"]

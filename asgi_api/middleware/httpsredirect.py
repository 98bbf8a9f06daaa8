"""`HTTPSRedirectMiddleware`: Starlette's, under FastAPI's path."""

from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware

__all__ = ["HTTPSRedirectMiddleware"]

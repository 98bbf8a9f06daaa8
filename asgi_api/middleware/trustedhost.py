"""`TrustedHostMiddleware`: Starlette's, under FastAPI's path."""

from starlette.middleware.trustedhost import TrustedHostMiddleware

__all__ = ["TrustedHostMiddleware"]

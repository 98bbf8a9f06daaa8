"""`get_openapi` where FastAPI users import it from (`fastapi.openapi.utils`).

The document is built in `asgi_api.openapi.schema`; this module only gives it FastAPI's import
path, so the "extending OpenAPI" recipe (`app.openapi = custom_openapi`) runs with its imports
swapped.
"""

from asgi_api.openapi.schema import get_openapi

__all__ = ["get_openapi"]

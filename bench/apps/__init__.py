"""The four peer apps, one module each, every one exposing `app` with the same three endpoints.

`PEERS` maps the name printed in the report to the module to import; asgi_api comes first because
every ratio is asgi_api's figure over a peer's.
"""

PEERS: dict[str, str] = {
    "asgi_api": "bench.apps.asgi_api_app",
    "FastAPI": "bench.apps.fastapi_app",
    "Litestar": "bench.apps.litestar_app",
    "Starlette": "bench.apps.starlette_app",
}

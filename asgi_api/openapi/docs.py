"""Interactive documentation pages: Swagger UI at `/docs` and ReDoc at `/redoc`.

With the `docs` extra installed (the `openapi-ui-bundles` package: Swagger UI 5 and ReDoc 2 builds
as plain files, no dependencies) the pages load their assets from the app itself, so they work with
no network at all. Without it they load them from the jsDelivr CDN, as FastAPI does.
"""

from __future__ import annotations

import html
import importlib.util
import json
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

_CDN_SWAGGER = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
_CDN_REDOC = "https://cdn.jsdelivr.net/npm/redoc@2/bundles"
_CDN_FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"


def local_assets() -> Path | None:
    """Where the `docs` extra keeps the Swagger UI and ReDoc files, if it is installed."""
    # Found, not imported: the package's files are all that is needed.
    spec = importlib.util.find_spec("openapi_ui_bundles")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    found = (root / "swagger_ui" / "vendor" / "swagger-ui-bundle.js").is_file() and (
        root / "redoc" / "vendor" / "redoc.standalone.js").is_file()
    return root if found else None


def swagger_assets(root: Path) -> StaticFiles:
    return StaticFiles(directory=root / "swagger_ui" / "vendor")


def redoc_assets(root: Path) -> StaticFiles:
    return StaticFiles(directory=root / "redoc" / "vendor")


def swagger_ui_html(*, openapi_url: str, title: str, assets_url: str | None) -> HTMLResponse:
    """The Swagger UI page; `assets_url` is where the local files are served, or None for the CDN."""
    base = assets_url or _CDN_SWAGGER
    favicon = f"{assets_url}/favicon-32x32.png" if assets_url else _CDN_FAVICON
    options = {
        "url": openapi_url, "dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": True,
        "showExtensions": True, "showCommonExtensions": True,
        "validatorUrl": None,  # Swagger UI would otherwise call an online validator
    }
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="shortcut icon" href="{favicon}">
<title>{html.escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle(Object.assign({json.dumps(options)}, {{
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
}}));
</script>
</body>
</html>"""
    return HTMLResponse(page)


def redoc_html(*, openapi_url: str, title: str, assets_url: str | None) -> HTMLResponse:
    """The ReDoc page; without local assets it also uses the web fonts FastAPI's page uses."""
    script = f"{assets_url or _CDN_REDOC}/redoc.standalone.js"
    fonts = "" if assets_url else (
        '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" '
        'rel="stylesheet">')
    favicon = "" if assets_url else f'<link rel="shortcut icon" href="{_CDN_FAVICON}">'
    page = f"""<!DOCTYPE html>
<html>
<head>
<title>{html.escape(title)}</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
{fonts}
{favicon}
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc requires Javascript to function. Please enable it to browse the documentation.</noscript>
<redoc spec-url="{html.escape(openapi_url)}"></redoc>
<script src="{script}"></script>
</body>
</html>"""
    return HTMLResponse(page)

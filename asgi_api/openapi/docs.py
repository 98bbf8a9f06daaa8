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
from typing import Any

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


def swagger_ui_html(*, openapi_url: str, title: str, assets_url: str | None, oauth2_redirect_url: str | None = None,
                    init_oauth: dict[str, Any] | None = None,
                    parameters: dict[str, Any] | None = None) -> HTMLResponse:
    """The Swagger UI page; `assets_url` is where the local files are served, or None for the CDN."""
    base = assets_url or _CDN_SWAGGER
    return get_swagger_ui_html(
        openapi_url=openapi_url, title=title, swagger_js_url=f"{base}/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/swagger-ui.css",
        swagger_favicon_url=f"{assets_url}/favicon-32x32.png" if assets_url else _CDN_FAVICON,
        oauth2_redirect_url=oauth2_redirect_url, init_oauth=init_oauth, swagger_ui_parameters=parameters)


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no `</script>` or `<!--` can close it early)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def get_swagger_ui_html(*, openapi_url: str, title: str, swagger_js_url: str = f"{_CDN_SWAGGER}/swagger-ui-bundle.js",
                        swagger_css_url: str = f"{_CDN_SWAGGER}/swagger-ui.css",
                        swagger_favicon_url: str = _CDN_FAVICON, oauth2_redirect_url: str | None = None,
                        init_oauth: dict[str, Any] | None = None,
                        swagger_ui_parameters: dict[str, Any] | None = None) -> HTMLResponse:
    """A Swagger UI page for `openapi_url` (FastAPI's function, for apps that serve their own docs page).

    `swagger_ui_parameters` are Swagger UI's options (they win over the defaults); `init_oauth` goes
    to `ui.initOAuth()` for the "Authorize" dialog; `oauth2_redirect_url` is the page the OAuth2
    provider sends the browser back to (`get_swagger_ui_oauth2_redirect_html`).
    """
    options = {
        "dom_id": "#swagger-ui", "layout": "BaseLayout", "deepLinking": True, "showExtensions": True,
        "showCommonExtensions": True,
        "validatorUrl": None,  # Swagger UI would otherwise send the document to an online validator
        **(swagger_ui_parameters or {}), "url": openapi_url,
    }
    redirect = (f"options.oauth2RedirectUrl = window.location.origin + {_script_json(oauth2_redirect_url)};\n"
                if oauth2_redirect_url else "")
    oauth = f"ui.initOAuth({_script_json(init_oauth)});\n" if init_oauth else ""
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="{html.escape(swagger_css_url)}">
<link rel="shortcut icon" href="{html.escape(swagger_favicon_url)}">
<title>{html.escape(title)}</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{html.escape(swagger_js_url)}"></script>
<script>
const options = {_script_json(options)};
{redirect}options.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
const ui = SwaggerUIBundle(options);
{oauth}</script>
</body>
</html>"""
    return HTMLResponse(page)


_OAUTH2_REDIRECT_SCRIPT = """
// Hands the provider's answer (in the query or the fragment) back to the Swagger UI window that
// opened this one, then closes. The state must match what Swagger UI sent.
const pending = window.opener.swaggerUIRedirectOauth2;
const flow = pending.auth.schema.get("flow");
const raw = /code|token|error/.test(window.location.hash) ? window.location.hash.substring(1)
  : window.location.search.substring(1);
const answer = Object.fromEntries(new URLSearchParams(raw));
const stateOk = answer.state === pending.state;
if ((flow === "accessCode" || flow === "authorizationCode" || flow === "authorization_code") && !pending.auth.code) {
  if (!stateOk) {
    pending.errCb({authId: pending.auth.name, source: "auth", level: "warning",
                   message: "Authorization may be unsafe, passed state was changed in server. "
                            + "The passed state wasn't returned from auth server."});
  }
  if (answer.code) {
    delete pending.state;
    pending.auth.code = answer.code;
    pending.callback({auth: pending.auth, redirectUrl: pending.redirectUrl});
  } else {
    const reason = answer.error
      ? `[${answer.error}]: ` + (answer.error_description || "no accessCode received from the server")
        + (answer.error_uri ? `More info: ${answer.error_uri}` : "")
      : "[Authorization failed]: no accessCode received from the server.";
    pending.errCb({authId: pending.auth.name, source: "auth", level: "error", message: reason});
  }
} else {
  pending.callback({auth: pending.auth, token: answer, isValid: stateOk, redirectUrl: pending.redirectUrl});
}
window.close();
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page an OAuth2 provider redirects to after login, finishing Swagger UI's "Authorize"."""
    return HTMLResponse(f"""<!doctype html>
<html lang="en-US">
<head><title>Swagger UI: OAuth2 Redirect</title></head>
<body>
<script>{_OAUTH2_REDIRECT_SCRIPT}</script>
</body>
</html>""")


def redoc_html(*, openapi_url: str, title: str, assets_url: str | None) -> HTMLResponse:
    """The ReDoc page; without local assets it also uses the web fonts FastAPI's page uses."""
    return get_redoc_html(openapi_url=openapi_url, title=title,
                          redoc_js_url=f"{assets_url or _CDN_REDOC}/redoc.standalone.js",
                          redoc_favicon_url=None if assets_url else _CDN_FAVICON,
                          with_google_fonts=not assets_url)


def get_redoc_html(*, openapi_url: str, title: str, redoc_js_url: str = f"{_CDN_REDOC}/redoc.standalone.js",
                   redoc_favicon_url: str | None = _CDN_FAVICON, with_google_fonts: bool = True) -> HTMLResponse:
    """A ReDoc page for `openapi_url` (FastAPI's function, for apps that serve their own docs page)."""
    script = html.escape(redoc_js_url)
    fonts = (
        '<link href="https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700" '
        'rel="stylesheet">') if with_google_fonts else ""
    favicon = f'<link rel="shortcut icon" href="{html.escape(redoc_favicon_url)}">' if redoc_favicon_url else ""
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

"""The server layer: settings, app factories, middleware, exception handlers, UI files, subprocess server.

Names are imported when first used, so that importing `asgi_api.server.cli` or the settings does not
need the `server` extra (uvicorn, databases, httpx...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asgi_api.middleware.request_limit import RequestLimitMiddleware
    from asgi_api.server.app import create_api_app, create_app
    from asgi_api.server.handlers import (
        custom_internal_exception_handler,
        integrity_exception_handler,
        object_not_found_exception_handler,
        validation_exception_handler,
    )
    from asgi_api.server.middleware.auth import BasicAuthMiddleware
    from asgi_api.server.middleware.csrf import CsrfMiddleware
    from asgi_api.server.settings import Settings, SettingsError
    from asgi_api.server.subprocess import SubprocessASGIServer
    from asgi_api.server.ui import replace_placeholder_string_in_files
    from asgi_api.staticfiles import SPAStaticFiles

_MODULES = {
    "BasicAuthMiddleware": "asgi_api.server.middleware.auth",
    "CsrfMiddleware": "asgi_api.server.middleware.csrf",
    "RequestLimitMiddleware": "asgi_api.middleware.request_limit",
    "SPAStaticFiles": "asgi_api.staticfiles",
    "Settings": "asgi_api.server.settings",
    "SettingsError": "asgi_api.server.settings",
    "SubprocessASGIServer": "asgi_api.server.subprocess",
    "create_api_app": "asgi_api.server.app",
    "create_app": "asgi_api.server.app",
    "custom_internal_exception_handler": "asgi_api.server.handlers",
    "integrity_exception_handler": "asgi_api.server.handlers",
    "object_not_found_exception_handler": "asgi_api.server.handlers",
    "replace_placeholder_string_in_files": "asgi_api.server.ui",
    "validation_exception_handler": "asgi_api.server.handlers",
}

__all__ = [
    "BasicAuthMiddleware",
    "CsrfMiddleware",
    "RequestLimitMiddleware",
    "SPAStaticFiles",
    "Settings",
    "SettingsError",
    "SubprocessASGIServer",
    "create_api_app",
    "create_app",
    "custom_internal_exception_handler",
    "integrity_exception_handler",
    "object_not_found_exception_handler",
    "replace_placeholder_string_in_files",
    "validation_exception_handler",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'asgi_api.server' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name]), name)
    globals()[name] = value  # looked up once
    return value

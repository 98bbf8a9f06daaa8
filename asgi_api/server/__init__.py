"""The server layer: settings, app factories, middleware, exception handlers, UI files, subprocess server."""

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

"""asgi_api: FastAPI's routing behaviour on plain Starlette, validated and serialised with msgspec."""

from starlette import status
from starlette.background import BackgroundTasks
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_api.applications import API
from asgi_api.dependencies import response_scoped_dependency
from asgi_api.exceptions import HTTPException, RequestValidationError, WebSocketException
from asgi_api.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from asgi_api.routing import APIRoute, APIRouter, APIWebSocketRoute, method_paths_from_routes

__version__ = "0.1.0"

__all__ = [
    "API",
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "method_paths_from_routes",
    "response_scoped_dependency",
    "status",
]

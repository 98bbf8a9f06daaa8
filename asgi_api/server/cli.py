"""`asgi-api`: serve the REST API with uvicorn, print its OpenAPI document or the version."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import uvicorn

from asgi_api import __version__
from asgi_api.server.app import create_app
from asgi_api.server.settings import PREFIX, Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="asgi-api", description="A lightweight Prefect-compatible API server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server (API at /api, docs at /api/docs, UI at /)")
    serve.add_argument("--host", help=f"interface to bind (default {Settings.host}, env {PREFIX}HOST)")
    serve.add_argument("--port", type=int, help=f"port (default {Settings.port}, env {PREFIX}PORT)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL for more than one)")
    serve.add_argument("--database-url", help=f"database URL (env {PREFIX}DATABASE_URL; default SQLite)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    commands.add_parser("openapi", help="print the OpenAPI document as JSON")
    commands.add_parser("version", help="print the version")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(__version__)
        return 0
    try:
        settings = Settings.load(host=getattr(args, "host", None), port=getattr(args, "port", None),
                                 database_url=getattr(args, "database_url", None))
    except SettingsError as exc:
        print(f"asgi-api: {exc}", file=sys.stderr)
        return 2
    if args.command == "openapi":
        print(json.dumps(create_app(settings).openapi(), indent=2))
        return 0
    return _serve(settings, args.workers, args.log_level)


def _serve(settings: Settings, workers: int, log_level: str) -> int:
    # Workers are separate processes that build their app from the environment: hand them the
    # settings given on the command line through it.
    os.environ[PREFIX + "DATABASE_URL"] = settings.database_url
    os.environ[PREFIX + "HOST"] = settings.host
    os.environ[PREFIX + "PORT"] = str(settings.port)
    print(f"asgi-api {__version__}: API at http://{settings.host}:{settings.port}/api, "
          f"docs at /api/docs, UI at {settings.ui_serve_base}", file=sys.stderr)
    uvicorn.run("asgi_api.server.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=workers, log_level=log_level, timeout_graceful_shutdown=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

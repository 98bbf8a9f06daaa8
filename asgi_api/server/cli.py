"""`asgi-api`: serve the REST API with uvicorn, print its OpenAPI document, upgrade or reset the database.

Only `argparse` and the settings are imported up front, so that `asgi-api --help` and `asgi-api
version` work without the `server` extra and the other commands can say what to install.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from asgi_api import __version__
from asgi_api.server.settings import PREFIX, Settings, SettingsError

# Modules of the `server` extra: a command that fails to import one of them names the extra.
_SERVER_EXTRA = frozenset({"uvicorn", "databases", "sqlalchemy", "httpx", "aiosqlite", "asyncpg", "websockets",
                           "croniter", "dateutil"})
_DEFAULTS = Settings()
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


class _CommandError(Exception):
    """Stops the command with its message on one line of stderr and the exit status given."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except _CommandError as exc:
        print(f"asgi-api: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:
        # The reader went away (`asgi-api openapi | head`): nothing left to say to it. Point stdout at
        # /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asgi-api", description="A lightweight Prefect-compatible API server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server (API at /api, docs at /api/docs, UI at /)",
                                description="Run the server under uvicorn.")
    serve.add_argument("--host", help=f"interface to bind (default {_DEFAULTS.host}; env {PREFIX}HOST)")
    serve.add_argument("--port", type=int, help=f"port (default {_DEFAULTS.port}; env {PREFIX}PORT)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (default 1; more than one needs PostgreSQL)")
    _add_database_url(serve)
    serve.add_argument("--log-level", default="info", choices=_LOG_LEVELS, help="uvicorn's log level (default info)")
    serve.add_argument("--keep-alive-timeout", type=int, metavar="SECONDS",
                       help="close idle keep-alive connections after this many seconds "
                            f"(default {_DEFAULTS.keep_alive_timeout}; env {PREFIX}KEEP_ALIVE_TIMEOUT)")
    serve.add_argument("--ui", metavar="UI",
                       help="which UI: asgi_api (default), prefect (Prefect's own, from the prefect package installed "
                            f"beside this one) or the directory of a UI build (env {PREFIX}UI)")
    serve.add_argument("--no-ui", dest="ui_enabled", action="store_const", const=False,
                       help=f"serve the API only (env {PREFIX}UI_ENABLED=false)")
    serve.add_argument("--no-services", dest="services_enabled", action="store_const", const=False,
                       help=f"run no background services (env {PREFIX}SERVICES_ENABLED=false)")
    serve.add_argument("--reload", action="store_true",
                       help="restart when a file of the asgi_api package changes (development; one worker)")
    serve.set_defaults(run=_serve)

    openapi = commands.add_parser("openapi", help="print the OpenAPI document as JSON")
    openapi.set_defaults(run=_openapi)

    database = commands.add_parser("database", help="upgrade or reset the database schema")
    actions = database.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply the migrations the database lacks")
    _add_database_url(upgrade)
    upgrade.set_defaults(run=_database_upgrade)
    reset = actions.add_parser("reset", help="drop every table and create the schema again (all data is lost)")
    _add_database_url(reset)
    reset.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(run=_database_reset)

    version = commands.add_parser("version", help="print the version")
    version.set_defaults(run=lambda args: print(__version__))
    return parser


def _add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", metavar="URL",
                        help=f"sqlite+aiosqlite:///path or postgresql+asyncpg://... (env {PREFIX}DATABASE_URL; "
                             f"default {_DEFAULTS.home}/asgi_api.db, {PREFIX}HOME)")


def _settings(database_url: str | None, **overrides: Any) -> Settings:
    try:
        return Settings.load(database_url=database_url, **overrides)
    except SettingsError as exc:
        raise _CommandError(str(exc)) from None


def _import_server(import_: Callable[[], Any], command: str) -> Any:
    """`import_()`, or a one-line error naming the extra when a module of the `server` extra is missing."""
    try:
        return import_()
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _SERVER_EXTRA:
            raise
        raise _CommandError(f"`asgi-api {command}` needs the server extra (no module named {exc.name!r}): "
                            "pip install 'asgi_api[server]'", status=1) from None


def _serve(args: argparse.Namespace) -> int:
    overrides = {"host": args.host, "port": args.port, "keep_alive_timeout": args.keep_alive_timeout,
                 "ui": args.ui, "ui_enabled": args.ui_enabled, "services_enabled": args.services_enabled}
    settings = _settings(args.database_url, **overrides)
    if args.workers < 1:
        raise _CommandError(f"--workers must be at least 1, got {args.workers}")
    if args.workers > 1 and settings.is_sqlite:
        raise _CommandError(f"--workers {args.workers} needs PostgreSQL: SQLite admits one writing process; "
                            f"set --database-url postgresql+asyncpg://... or use one worker")
    if args.workers > 1 and args.reload:
        raise _CommandError("--reload runs one worker: drop --workers or --reload")

    def import_uvicorn() -> Any:
        import uvicorn

        import asgi_api.server.app  # noqa: F401  (fail here, with the hint, not in a worker)

        return uvicorn

    uvicorn = _import_server(import_uvicorn, "serve")
    # Workers (and the reloader's child) build their app from the environment: hand them the
    # settings given on the command line through it.
    os.environ[PREFIX + "DATABASE_URL"] = settings.database_url
    for name, value in overrides.items():
        if value is not None:
            os.environ[PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    ui = f", UI at {settings.ui_serve_base}" if settings.ui_enabled else ""
    print(f"asgi-api {__version__}: API at http://{settings.host}:{settings.port}/api, docs at /api/docs{ui}",
          file=sys.stderr)
    uvicorn.run("asgi_api.server.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=args.workers, log_level=args.log_level, timeout_keep_alive=settings.keep_alive_timeout,
                timeout_graceful_shutdown=30, reload=args.reload,
                reload_dirs=[str(_PACKAGE_DIR)] if args.reload else None)
    return 0


def _openapi(args: argparse.Namespace) -> int:
    def import_app() -> Any:
        from asgi_api.server.app import create_app

        return create_app

    create_app = _import_server(import_app, "openapi")
    settings = _settings(None)
    sys.stdout.write(json.dumps(create_app(settings).openapi(), indent=2) + "\n")
    sys.stdout.flush()  # here, inside main: a closed pipe is reported as such
    return 0


def _maintenance(command: str) -> Any:
    def import_maintenance() -> Any:
        from asgi_api.server.database import maintenance

        return maintenance

    return _import_server(import_maintenance, f"database {command}")


def _database_upgrade(args: argparse.Namespace) -> int:
    maintenance = _maintenance("upgrade")
    settings = _settings(args.database_url)
    before, after = asyncio.run(maintenance.upgrade(settings.database_url))
    where = settings.masked()["database_url"]
    if before == after:
        print(f"The database at {where} is up to date (schema version {after}).")
    else:
        print(f"Upgraded the database at {where} from schema version {before} to {after}.")
    return 0


def _database_reset(args: argparse.Namespace) -> int:
    maintenance = _maintenance("reset")
    settings = _settings(args.database_url)
    where = settings.masked()["database_url"]
    if not args.yes:
        try:
            answer = input(f"Drop every table of {where} and create the schema again? All data is lost. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.", file=sys.stderr)
            return 1
    try:
        version = asyncio.run(maintenance.reset(settings.database_url))
    except maintenance.DatabaseInUseError as exc:
        raise _CommandError(str(exc), status=1) from None
    print(f"Reset the database at {where} (schema version {version}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

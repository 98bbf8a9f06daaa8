"""Running blocking code from async code: Starlette's helpers, under FastAPI's path."""

from contextlib import asynccontextmanager

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete

__all__ = ["asynccontextmanager", "iterate_in_threadpool", "run_in_threadpool", "run_until_first_complete"]

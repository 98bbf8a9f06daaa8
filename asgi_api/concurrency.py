"""Running blocking code from async code: Starlette's helpers, and a sync context manager entered
and exited in the threadpool (as sync generator dependencies are)."""

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete

__all__ = ["asynccontextmanager", "contextmanager_in_threadpool", "iterate_in_threadpool", "run_in_threadpool",
           "run_until_first_complete"]

_T = TypeVar("_T")


@asynccontextmanager
async def contextmanager_in_threadpool(manager: AbstractContextManager[_T]) -> AsyncIterator[_T]:
    """`async with contextmanager_in_threadpool(cm)`: `cm`'s enter and exit never block the event loop."""
    value = await run_in_threadpool(manager.__enter__)
    # The exit runs to its end even when the request is cancelled, on a thread of its own (a pool
    # the exit needs, a database's, may be what holds the shared threads).
    exit_limiter = anyio.CapacityLimiter(1)
    try:
        yield value
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            suppress = await anyio.to_thread.run_sync(manager.__exit__, type(exc), exc, exc.__traceback__,
                                                      limiter=exit_limiter)
        if not suppress:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(manager.__exit__, None, None, None, limiter=exit_limiter)

"""Running blocking code from async code: Starlette's helpers, and a sync context manager entered
and exited in the threadpool (as sync generator dependencies are)."""

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import TypeVar

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool, run_until_first_complete

__all__ = ["asynccontextmanager", "contextmanager_in_threadpool", "iterate_in_threadpool", "run_in_threadpool",
           "run_until_first_complete"]

_T = TypeVar("_T")


@asynccontextmanager
async def contextmanager_in_threadpool(manager: AbstractContextManager[_T]) -> AsyncIterator[_T]:
    """`async with contextmanager_in_threadpool(cm)`: `cm`'s enter and exit never block the event loop."""
    value = await run_in_threadpool(manager.__enter__)
    try:
        yield value
    except BaseException as exc:
        if not await run_in_threadpool(manager.__exit__, type(exc), exc, exc.__traceback__):
            raise
    else:
        await run_in_threadpool(manager.__exit__, None, None, None)

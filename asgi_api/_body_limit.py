"""Starlette's request body limit (`max_body_size=`), its 413 kept a 413 on every path it takes.

Starlette's limiter raises its own error from `receive` and answers 413 when that error reaches
it. Two things can stop it getting there: a task group in between (`BaseHTTPMiddleware` reads the
body in one) wraps the error in an `ExceptionGroup`, and an app mounted under a limited parent has
its own `ServerErrorMiddleware`, which turns the parent's error into a 500 before the parent sees it.
An app puts the limit around its router (inside the exception handlers, which answer a 413 raised
there) and, when it has middleware of the user's, `BodyLimit` around that, as FastAPI does.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware import body_limit
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY, RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asgi_api.responses import JSONResponse

__all__ = ["BodyLimit", "read_error", "with_limit"]

# seam: starlette private body_limit._RequestBodyTooLarge (raised from `receive` past the limit) and
# _RequestBodyLimitResponseSent (raised from `send` once it has answered 413 itself)
_SENT = body_limit._RequestBodyLimitResponseSent
_ERRORS = (body_limit._RequestBodyTooLarge, _SENT)


def _limit_error(exc: BaseException) -> Exception | None:
    """The limiter's error `exc` is or wraps, when a group holds nothing else (else None)."""
    if isinstance(exc, ExceptionGroup):
        if exc.split(_ERRORS)[1] is not None:
            return None  # another error came with it: that one must not be hidden
        leaf: BaseException = exc.subgroup(_SENT) or exc  # the 413 is out already: let that finish
        while isinstance(leaf, ExceptionGroup):
            leaf = leaf.exceptions[0]
        exc = leaf
    return exc if isinstance(exc, _ERRORS) else None


def read_error(exc: ExceptionGroup[Exception], scope: Scope) -> Exception:
    """What a route raises when reading its body failed with a group: the limiter's 413 under a
    limit, else FastAPI's 400 (the body could not be read)."""
    error = _limit_error(exc) if MAX_BODY_SIZE_SCOPE_KEY in scope else None
    return error if error is not None else HTTPException(400, "There was an error parsing the body")


def with_limit(app: ASGIApp, max_body_size: int | None) -> ASGIApp:
    """`app` behind Starlette's limiter (when there is a limit), which then sees its errors in groups."""
    if max_body_size is None:
        return app
    return RequestBodyLimitMiddleware(_Unwrap(app), max_body_size=max_body_size)


class BodyLimit:
    """The limit around the user's middleware: an app's own `max_body_size` (when given), with the
    limiter's errors found in groups, and a parent's limit answered with 413 when the app is
    mounted under one (no exception handler is outside the user's middleware to do it)."""

    def __init__(self, app: ASGIApp, max_body_size: int | None) -> None:
        self.app = with_limit(app, max_body_size) if max_body_size is not None else _Unwrap(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or MAX_BODY_SIZE_SCOPE_KEY not in scope:
            await self.app(scope, receive, send)
            return
        # Mounted under a limit: the parent counts the bytes, this app answers (its own error
        # middleware would answer 500 before the parent could).
        started = False

        async def send_started(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_started)
        except body_limit._RequestBodyTooLarge as exc:
            if started:
                raise
            await JSONResponse({"detail": exc.detail}, status_code=exc.status_code)(scope, receive, send)


class _Unwrap:
    """Raises the limiter's error in place of a group holding only it, for the limiter to answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ExceptionGroup as exc:
            error = _limit_error(exc) if scope["type"] == "http" else None
            if error is None:
                raise
            raise error from exc

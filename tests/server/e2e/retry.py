"""HTTP calls retried the way Prefect's client retries them, with a tally of what was retried.

Prefect's client repeats a request answered 408, 429, 502 or 503 up to 5 times, sleeping
`Retry-After` seconds when given (else an exponential back-off), and a request whose connection
broke (a keep-alive connection the server closed as it was reused, a reset): the server must make
those repeats safe, and the tests hold it to "no other 5xx, and a retry then succeeds".
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

RETRY_STATUSES = frozenset({408, 429, 502, 503})
RETRY_ERRORS = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
MAX_RETRIES = 5
MAX_SLEEP = 2.0  # seconds: bounds a test's wait whatever Retry-After says


class ServerError(AssertionError):
    """A 5xx that is not retryable, or a retryable status that outlived every retry."""


class RetryingClient:
    """Wraps an `httpx.AsyncClient`; counts the retryable statuses and broken connections seen."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.retried: Counter[int] = Counter()
        self.broken: Counter[str] = Counter()

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The first answer that is not retryable; raises `ServerError` on a 5xx or too many retries."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = await self.client.request(method, url, **kwargs)
            except RETRY_ERRORS as exc:
                self.broken[type(exc).__name__] += 1
                if attempt == MAX_RETRIES:
                    raise
                continue
            if response.status_code not in RETRY_STATUSES:
                break
            self.retried[response.status_code] += 1
            if attempt == MAX_RETRIES:
                raise ServerError(f"{method} {url}: still {response.status_code} after {MAX_RETRIES} retries: "
                                  f"{response.text[:500]}")
            await asyncio.sleep(_delay(response, attempt))
        if response.status_code >= 500:
            raise ServerError(f"{method} {url}: {response.status_code} {response.text[:500]}")
        return response

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)


def _delay(response: httpx.Response, attempt: int) -> float:
    try:
        delay = float(response.headers["retry-after"])
    except (KeyError, ValueError):
        delay = 0.1 * 2**attempt
    return min(max(delay, 0.0), MAX_SLEEP)

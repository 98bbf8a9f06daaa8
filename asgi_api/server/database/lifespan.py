"""`open_database`: the database for the server's lifespan, connected and migrated.

It takes the URL (`settings.database_url`), not the settings: the server imports the routes,
which import this package, so this package must not import the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_api.server.database.connection import Database
from asgi_api.server.database.migrations import migrate


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[Database]:
    """Connect to `url`, migrate it and check that it takes writes; disconnect when the block ends.

    A database that cannot be written (a read-only SQLite file, say) stops start-up with its error:
    a server that could only fail every write must not report ready.
    """
    database = Database(url)
    await database.connect()
    try:
        await migrate(database)
        await database.check_writable()
        yield database
    finally:
        await database.disconnect()

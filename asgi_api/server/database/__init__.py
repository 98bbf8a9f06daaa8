"""The database layer: connections through `databases`, tables, migrations, error classification.

Routers take `Depends(read_session)` or `Depends(write_session)` from `asgi_api.server.dependencies`;
models run SQLAlchemy Core statements on the `Session` they get, against the tables in
`asgi_api.server.database.tables`.
"""

from asgi_api.server.database import tables
from asgi_api.server.database.connection import Database
from asgi_api.server.database.lifespan import open_database
from asgi_api.server.database.migrations import migrate
from asgi_api.server.database.session import Session
from asgi_api.server.database.tables import metadata
from asgi_api.server.database.types import utcnow

__all__ = ["Database", "Session", "metadata", "migrate", "open_database", "tables", "utcnow"]

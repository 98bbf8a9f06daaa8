"""The database layer: connections through `databases`, tables, migrations, error classification.

Routes take `Depends(read_session)` or `Depends(write_session)`; models run SQLAlchemy Core
statements on the `Session` they get, against the tables in `asgi_api.database.tables`.
"""

from asgi_api.database import tables
from asgi_api.database.connection import Database
from asgi_api.database.lifespan import open_database
from asgi_api.database.migrations import migrate
from asgi_api.database.session import Session, read_session, write_session
from asgi_api.database.tables import metadata
from asgi_api.database.types import utcnow

__all__ = ["Database", "Session", "metadata", "migrate", "open_database", "read_session", "tables", "utcnow",
           "write_session"]

"""CSRF tokens: one current token per client, kept in the database so every worker agrees."""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import timedelta

import msgspec
import sqlalchemy as sa

from asgi_api.server.database import Database, Session, tables, utcnow
from asgi_api.server.schemas.responses import CsrfToken

TOKEN_LIFETIME = timedelta(hours=1)


async def issue_token(session: Session, client: str) -> CsrfToken:
    """A fresh token for `client`, replacing its previous one; expired tokens of any client go."""
    now = utcnow()
    table = tables.csrf_token
    await session.execute(sa.delete(table).where(table.c.expiration < now))
    values = {"id": uuid.uuid4(), "created": now, "updated": now, "client": client,
              "token": secrets.token_hex(32), "expiration": now + TOKEN_LIFETIME}
    replaced = {name: values[name] for name in ("id", "created", "updated", "token", "expiration")}
    statement = (session.insert(table).values(values)
                 .on_conflict_do_update(index_elements=[table.c.client], set_=replaced)
                 .returning(*table.c))
    row = await session.fetch_one(statement)
    assert row is not None  # an upsert always returns its row
    return msgspec.convert(row, CsrfToken)


async def is_valid_token(database: Database, token: str, client: str) -> bool:
    """Whether `token` is the unexpired token issued to `client` (compared in constant time)."""
    table = tables.csrf_token
    async with database.transaction() as session:
        row = await session.fetch_one(sa.select(table.c.token, table.c.expiration).where(table.c.client == client))
    if row is None or row["expiration"] <= utcnow():
        return False
    return hmac.compare_digest(row["token"].encode(), token.encode())

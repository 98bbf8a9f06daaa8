"""`PostgresDatabase`: `databases.Database` whose PostgreSQL backend compiles each statement shape once.

As on SQLite (`sqlite_backend`), compiling a statement from scratch cost a large share of a short
request's CPU time. Compiled statements are cached under the statement's cache key; each execution
takes its values from the key's extracted bind parameters. The `databases` backend renders
pyformat SQL and numbers the parameters `$1...` in sorted-name order; the numbered text of a
statement without "expanding" parameters (`IN` lists) is cached too, and one with them is
expanded and numbered per execution. A statement without a cache key is compiled as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import databases
from databases.backends.postgres import PostgresBackend, PostgresConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.ddl import DDLElement
from sqlalchemy.util import LRUCache

CACHE_SIZE = 500  # statement shapes, as SQLAlchemy's engine default (`query_cache_size`)


class PostgresDatabase(databases.Database):
    """`databases.Database` with the caching PostgreSQL backend below."""

    # seam: databases Database.SUPPORTED_BACKENDS ("module:Class" per URL scheme, read when connecting)
    SUPPORTED_BACKENDS = {**databases.Database.SUPPORTED_BACKENDS,
                          "postgresql": "asgi_api.server.database.postgres_backend:CachingPostgresBackend"}


class _Prepared:
    """A compiled statement and, once known when it expands nothing, its numbered text and parameter order."""

    __slots__ = ("compiled", "expands", "names", "text")

    def __init__(self, compiled: SQLCompiler) -> None:
        self.compiled = compiled
        self.expands = bool(compiled.literal_execute_params or compiled.post_compile_params)
        self.text: str | None = None
        self.names: list[str] = []


class CachingPostgresBackend(PostgresBackend):
    """The `databases` PostgreSQL backend with one compiled-statement cache for all its connections."""

    def __init__(self, database_url: Any, **options: Any) -> None:
        super().__init__(database_url, **options)
        self._prepared: LRUCache[Any, _Prepared] = LRUCache(CACHE_SIZE)

    def connection(self) -> CachingPostgresConnection:
        # seam: databases PostgresBackend._dialect and PostgresConnection(backend, dialect)
        return CachingPostgresConnection(self, self._dialect, self._prepared)


class CachingPostgresConnection(PostgresConnection):
    """A connection of `CachingPostgresBackend`: its `_compile` looks in the backend's cache first."""

    def __init__(self, database: PostgresBackend, dialect: Any, prepared: LRUCache[Any, _Prepared]) -> None:
        super().__init__(database, dialect)
        self._prepared = prepared

    # seam: databases PostgresConnection._compile (returns statement, args, result columns);
    # seam: sqlalchemy compiled internals (cache key, bind processors, post-compile expansion, _result_columns)
    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], Any]:
        key = None if isinstance(query, DDLElement) else query._generate_cache_key()
        if key is None:
            return super()._compile(query)
        prepared = self._prepared.get(key.key)
        if prepared is None:
            compiled = query.compile(dialect=self._dialect, cache_key=key)
            assert isinstance(compiled, SQLCompiler)
            prepared = self._prepared[key.key] = _Prepared(compiled)
        compiled = prepared.compiled
        params = compiled.construct_params(extracted_parameters=key.bindparams, escape_names=False,
                                           _no_postcompile=True)
        values: Mapping[str, Any] = params
        processors = cast("Mapping[str, Callable[[Any], Any]]", compiled._bind_processors)
        if prepared.expands:
            expanded = compiled._process_parameters_for_postcompile(params)
            values, processors = expanded.parameters, {**processors, **expanded.processors}
            text, names = _numbered(compiled, expanded.statement, list(values))
        else:
            if prepared.text is None:
                prepared.text, prepared.names = _numbered(compiled, compiled.string, list(params))
            text, names = prepared.text, prepared.names
        args = [processors[name](values[name]) if name in processors else values[name] for name in names]
        return text, args, compiled._result_columns


def _numbered(compiled: SQLCompiler, statement: str, names: list[str]) -> tuple[str, list[str]]:
    """The pyformat `statement` with `$1...` in sorted-name order (as `databases` numbers them);
    the text names a parameter by its escaped name where it has one."""
    ordered = sorted(set(names))
    escaped = compiled.escaped_bind_names
    numbers = {escaped.get(name, name): f"${number}" for number, name in enumerate(ordered, start=1)}
    return statement % numbers, ordered

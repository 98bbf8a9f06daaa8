"""`SQLiteDatabase`: `databases.Database` whose SQLite backend compiles each statement shape once.

The `databases` SQLite backend compiles every statement from scratch, which took about half the CPU
time of a short request (an upsert, a filtered read). This backend does what SQLAlchemy's own
engine does: compiled statements are cached under the statement's cache key, and each execution
takes its own parameter values from the key's extracted bind parameters; "expanding" parameters
(`IN` lists) are rendered per execution. A statement without a cache key is compiled as before.
`execute_many` of an INSERT is compiled once and sent as one `executemany` on the driver, instead
of a statement built, compiled and sent for each row. Each statement is also one trip to the
driver's thread (execute, fetch and close together) instead of the three `databases` makes: the
trips, not SQLite, were most of a short request's database time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import databases
import msgspec
import sqlalchemy as sa
from databases.backends.common.records import Record, Row, create_column_maps
from databases.backends.sqlite import CompilationContext, SQLiteBackend, SQLiteConnection
from databases.core import Connection
from sqlalchemy.engine.cursor import CursorResultMetaData
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled, SQLCompiler
from sqlalchemy.sql.ddl import DDLElement
from sqlalchemy.util import LRUCache

CACHE_SIZE = 500  # statement shapes, as SQLAlchemy's engine default (`query_cache_size`)


class SQLiteDatabase(databases.Database):
    """`databases.Database` with the caching SQLite backend below."""

    # seam: databases Database.SUPPORTED_BACKENDS ("module:Class" per URL scheme, read when connecting)
    SUPPORTED_BACKENDS = {**databases.Database.SUPPORTED_BACKENDS,
                          "sqlite": "asgi_api.server.database.sqlite_backend:CachingSQLiteBackend"}


class CachingSQLiteBackend(SQLiteBackend):
    """The `databases` SQLite backend with one compiled-statement cache for all its connections."""

    def __init__(self, database_url: Any, **options: Any) -> None:
        super().__init__(database_url, **options)
        self._compiled: LRUCache[Any, Any] = LRUCache(CACHE_SIZE)  # compiled executemany INSERTs, _Prepared statements
        # seam: SQLAlchemy's JSON bind processor calls the dialect's `_json_serializer` (else `json.dumps`,
        # several times slower: about a tenth of recording a batch of events went to it)
        self._dialect._json_serializer = _json_text

    def connection(self) -> CachingSQLiteConnection:
        # seam: databases SQLiteBackend._pool/_dialect and SQLiteConnection(pool, dialect)
        return CachingSQLiteConnection(self._pool, self._dialect, self._compiled)


class CachingSQLiteConnection(SQLiteConnection):
    """A connection of `CachingSQLiteBackend`: its `_compile` looks in the backend's cache first."""

    def __init__(self, pool: Any, dialect: Dialect, compiled: LRUCache[Any, Any]) -> None:
        super().__init__(pool, dialect)
        self._compiled = compiled
        self._prelude: tuple[str, ...] = ()

    def run_first(self, *statements: str) -> None:
        """`statements` (a read's `BEGIN`) run in the same trip as the next statement; never, if
        none comes (`discard_prelude`)."""
        self._prelude = statements

    def discard_prelude(self) -> None:
        self._prelude = ()

    async def _trip(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(sqlite3 connection, prelude, *args)` on the driver's thread."""
        assert self._connection is not None, "Connection is not acquired"
        prelude, self._prelude = self._prelude, ()
        return await self._connection._execute(function, self._connection._conn, prelude, *args)

    # seam: aiosqlite Connection._execute (runs a function on the connection's thread) and ._conn;
    # seam: databases Record/Row/create_column_maps and CompilationContext.context (as its fetch_all builds rows)
    async def fetch_all(self, query: ClauseElement) -> list[Record]:  # type: ignore[override]
        statement, args, prepared = self._compile(query)
        rows, description = await self._trip(_run, statement, args, None)
        return prepared.records(rows, description, self._dialect)

    async def fetch_one(self, query: ClauseElement) -> Record | None:
        statement, args, prepared = self._compile(query)
        rows, description = await self._trip(_run, statement, args, 1)
        return prepared.records(rows, description, self._dialect)[0] if rows else None

    async def execute(self, query: ClauseElement) -> Any:
        statement, args, _ = self._compile(query)
        return await self._trip(_execute, statement, args)

    async def insert_many(self, query: sa.Insert, rows: list[dict[str, Any]]) -> None:
        """`query` with each of `rows` as its values; rows all have the same keys."""
        # seam: databases SQLiteConnection._connection (the aiosqlite connection)
        assert self._connection is not None, "Connection is not acquired"
        key = query._generate_cache_key()  # seam: sqlalchemy private _generate_cache_key, _bind_processors
        cache_key = None if key is None else (key.key, "executemany", tuple(rows[0]))
        compiled = None if cache_key is None else self._compiled.get(cache_key)
        if compiled is None:
            compiled = query.compile(dialect=self._dialect, cache_key=key, column_keys=list(rows[0]),
                                     for_executemany=True)
            if cache_key is not None:
                self._compiled[cache_key] = compiled
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
        extracted = None if key is None else key.bindparams
        processors = _processors(compiled)
        parameters = []
        for row in rows:
            params = compiled.construct_params(row, extracted_parameters=extracted, escape_names=False)
            parameters.append([processors[name](params[name]) if name in processors else params[name]
                               for name in compiled.positiontup])
        await self._trip(_execute_many, compiled.string, parameters)

    # seam: databases SQLiteConnection._compile (returns statement, args, result columns, CompilationContext);
    # seam: sqlalchemy compiled internals (cache key, bind processors, post-compile expansion, result_column_struct)
    def _compile(self, query: ClauseElement) -> tuple[str, list[Any], _Prepared]:  # type: ignore[override]
        key = None if isinstance(query, DDLElement) else query._generate_cache_key()
        if key is None:
            statement, args, result_columns, context = cast(
                "tuple[str, list[Any], Any, CompilationContext]", super()._compile(query))
            return statement, args, _Prepared(result_columns, context)
        prepared = self._compiled.get(key.key)
        if prepared is None:
            compiled = query.compile(dialect=self._dialect, cache_key=key)
            assert isinstance(compiled, SQLCompiler)
            prepared = self._compiled[key.key] = _Prepared.of(compiled, self._dialect)
        assert isinstance(prepared, _Prepared) and isinstance(prepared.compiled, SQLCompiler)
        compiled = prepared.compiled
        params = compiled.construct_params(extracted_parameters=key.bindparams, escape_names=False,
                                           _no_postcompile=True)
        values: Mapping[str, Any] = params
        positions: Sequence[str] | None = compiled.positiontup
        statement, processors = compiled.string, _processors(compiled)
        if compiled.literal_execute_params or compiled.post_compile_params:
            expanded = compiled._process_parameters_for_postcompile(params)
            statement, positions, values = expanded.statement, expanded.positiontup, expanded.parameters
            processors = {**processors, **expanded.processors}
        assert positions is not None, "the SQLite dialect is positional"
        args = [processors[name](values[name]) if name in processors else values[name] for name in positions]
        return statement, args, prepared


class _Prepared:
    """A statement's compiled form and what reading its rows needs: built once per statement shape
    (as SQLAlchemy keeps result metadata on a compiled statement), not for every fetch."""

    __slots__ = ("column_maps", "compiled", "context", "result_columns", "_description", "_metadata")

    def __init__(self, result_columns: Any, context: CompilationContext, compiled: Compiled | None = None) -> None:
        self.compiled = compiled
        self.result_columns = result_columns
        self.context = context
        self.column_maps: Any = None
        self._description: Any = None
        self._metadata: Any = None

    @classmethod
    def of(cls, compiled: SQLCompiler, dialect: Dialect) -> _Prepared:
        context = cast(DefaultExecutionContext, dialect.execution_ctx_cls())
        context.dialect = dialect
        context.result_column_struct = (compiled._result_columns, compiled._ordered_columns,
                                        compiled._textual_ordered_columns, compiled._ad_hoc_textual,
                                        compiled._loose_column_name_matching)
        return cls(compiled._result_columns, CompilationContext(context), compiled)

    def records(self, rows: list[Any], description: Any, dialect: Dialect) -> list[Record]:
        """The rows as `databases` Records, their values processed by the column types."""
        if description != self._description:  # the same unless the table changed under a textual SELECT
            self._metadata = CursorResultMetaData(self.context, description)  # type: ignore[arg-type]
            self.column_maps = create_column_maps(self.result_columns)
            self._description = description
        metadata = self._metadata
        keymap = metadata._keymap
        return [Record(Row(metadata, metadata._processors, keymap, row), self.result_columns, dialect,
                       self.column_maps) for row in rows]


def _run(connection: sqlite3.Connection, prelude: tuple[str, ...], statement: str, args: list[Any],
         limit: int | None) -> tuple[list[Any], Any]:
    """On the driver's thread: the statement's rows (`limit` at most) and their description."""
    _run_statements(connection, prelude)
    cursor = connection.execute(statement, args)
    try:
        return (cursor.fetchall() if limit is None else cursor.fetchmany(limit)), cursor.description
    finally:
        cursor.close()


def _execute(connection: sqlite3.Connection, prelude: tuple[str, ...], statement: str, args: list[Any]) -> int:
    """On the driver's thread: run the statement; the last row id or the row count, as `databases`."""
    _run_statements(connection, prelude)
    cursor = connection.execute(statement, args)
    try:
        return cursor.rowcount if cursor.lastrowid == 0 else cast(int, cursor.lastrowid)
    finally:
        cursor.close()


async def run_statements(connection: Connection, *statements: str) -> None:
    """Statements without results (transaction control) in one trip to the driver's thread, not the
    two of an aiosqlite `execute` and `close` each. Stops at the first that fails, raising its error."""
    raw = connection.raw_connection  # seam: aiosqlite Connection._execute and ._conn, as above
    await raw._execute(_run_statements, raw._conn, statements)


def _run_statements(connection: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        connection.execute(statement).close()


def _execute_many(connection: sqlite3.Connection, prelude: tuple[str, ...], statement: str,
                  parameters: list[list[Any]]) -> None:
    _run_statements(connection, prelude)
    connection.executemany(statement, parameters).close()


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _processors(compiled: SQLCompiler) -> Mapping[str, Callable[[Any], Any]]:
    """The compiled statement's bind processors by parameter name. (A tuple-typed parameter would
    map to a sequence of processors; no statement of this server binds one.)"""
    return cast("Mapping[str, Callable[[Any], Any]]", compiled._bind_processors)


class CachingConnection(Connection):
    """A `databases` connection whose `execute_many` of an INSERT is one `insert_many` on the backend."""

    async def execute_many(self, query: ClauseElement | str, values: list[dict[str, Any]]) -> None:
        backend = self._connection
        if not (isinstance(query, sa.Insert) and isinstance(backend, CachingSQLiteConnection) and values
                and all(row.keys() == values[0].keys() for row in values)):
            await super().execute_many(query, values)
            return
        async with self._query_lock:  # seam: databases Connection._connection/_query_lock
            await backend.insert_many(query, values)

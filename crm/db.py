"""The one module that knows SQLite from PostgreSQL.

SQLite: WAL journal, a busy timeout, and write transactions that take the write
lock up front (BEGIN IMMEDIATE), so two writers queue instead of failing with
"database is locked"; a statement outside a transaction reuses one of a few connections the app
keeps open (opening one costs a thread and ~3 ms, twenty times the query). PostgreSQL: a
connection pool started with the app.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import contextlib
import io
import functools
import sqlite3
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from crm.settings import Settings


SQLITE_CONNECTIONS = 4  # kept open by the app for statements outside a transaction
WRITE_LOCK_POLL_SECONDS = 0.002
TURN_SECONDS = 0.5  # how long a long writer holds the write lock before it lets others in (LongWriter)
HANDOFF_SECONDS = 0.01  # its pause between two turns


class PatientSQLiteTransaction(SQLiteTransaction):
    """BEGIN IMMEDIATE that asks for the write lock every 2 ms until the busy timeout, instead of
    SQLite's busy handler (which sleeps up to 100 ms between tries): a writer waiting behind an import
    that commits chunk after chunk (crm/importing/load.py) gets in during the import's short pause
    between two chunks, not only after the import. A BEGIN that gives up closes its connection."""

    async def begin(self):
        if self.transaction_type is not TransactionType.immediate:
            return await super().begin()
        patience = float(self.engine.connection_kwargs.get("timeout", 5))
        deadline = asyncio.get_running_loop().time() + patience
        try:
            await self.connection.execute("PRAGMA busy_timeout = 0")
            while True:
                try:
                    await self.connection.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as error:
                    if not is_locked(error) or asyncio.get_running_loop().time() >= deadline:
                        raise
                    await asyncio.sleep(WRITE_LOCK_POLL_SECONDS)
            await self.connection.execute(f"PRAGMA busy_timeout = {int(patience * 1000)}")
        except BaseException:
            await self.connection.close()
            raise


class LongWriter:
    """The chunks of a long writer (an import, a register load), each written inside `chunk()`.

    SQLite: consecutive chunks share one write transaction, with the bulk page cache, until it has
    held the write lock for TURN_SECONDS; then it commits (rolls back unless `keep`) and pauses for
    HANDOFF_SECONDS, in which a waiting writer takes the lock: other writers wait for a turn, not
    for the whole file. A turn, not a chunk, because each commit writes every page its transaction
    touched, and a chunk of rows in no order touches most pages of every index (a commit per 5,000
    interactions cost the import a quarter of its time). `opened` runs at the start of each
    transaction. Leaving the writer ends its last turn (rolled back if it leaves on an error).
    PostgreSQL: nothing, the writer's one transaction is open around every chunk."""

    def __init__(self, *, keep: bool = True, opened: Callable[[], Awaitable[None]] | None = None):
        self.keep, self.opened = keep, opened
        self._transaction: SQLiteTransaction | None = None
        self._since = 0.0

    async def __aenter__(self) -> LongWriter:
        return self

    async def __aexit__(self, kind, error, traceback) -> None:
        await self._end(failed=error is not None)

    @contextlib.asynccontextmanager
    async def chunk(self) -> AsyncIterator[None]:
        if not is_sqlite():
            yield
            return
        if self._transaction is None:
            transaction = write_transaction()
            await transaction.__aenter__()
            self._transaction, self._since = transaction, time.monotonic()
            await use_bulk_cache()
            if self.opened:
                await self.opened()
        try:
            yield
        except BaseException:
            await self._end(failed=True)
            raise
        if time.monotonic() - self._since >= TURN_SECONDS:
            await self._end(failed=False)
            await asyncio.sleep(HANDOFF_SECONDS)

    async def _end(self, *, failed: bool) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return
        if failed or not self.keep:
            await transaction.rollback()
        await transaction.__aexit__(None, None, None)  # commits unless rolled back, closes the connection


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, but a statement outside a transaction runs on one of the connections
    the app opened at its start (in that event loop) instead of a new one. Transactions still get a
    connection of their own; so does any other caller (the CLI, a test calling a service)."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._idle: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: list[aiosqlite.Connection] = []

    async def open_connections(self, count: int) -> None:
        self._loop, self._idle = asyncio.get_running_loop(), asyncio.Queue()
        for _ in range(count):
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory
            await connection.execute("PRAGMA foreign_keys = 1")
            self._connections.append(connection)
            self._idle.put_nowait(connection)

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return PatientSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def close_connections(self) -> None:
        connections, self._connections, self._idle, self._loop = self._connections, [], None, None
        for connection in connections:
            await connection.close()

    async def _run_in_new_connection(self, query: str, args: list | None = None, query_type: str = "generic",
                                     table: Any = None):
        if self._idle is None or asyncio.get_running_loop() is not self._loop:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self._idle.get()
        try:  # one trip to the connection's thread for a read (execute and fetch), one more to commit a write
            rows = await connection.execute_fetchall(query, args or [])
            if connection.in_transaction:
                await connection.commit()
            return rows
        except BaseException:
            if connection.in_transaction:  # a write that failed half-way leaves nothing open
                await connection.rollback()
            raise
        finally:
            self._idle.put_nowait(connection)


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=settings.sqlite_timeout)
    parts = urlsplit(settings.database_url)
    return PostgresEngine(
        config={
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
            "database": parts.path.lstrip("/") or "postgres",
        },
    )


def engine() -> Engine:
    from crm.piccolo_conf import DB

    return DB


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def write_transaction():
    """A transaction that writes: BEGIN IMMEDIATE on SQLite, plain BEGIN on PostgreSQL."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def serialize(name: str) -> None:
    """Inside a write_transaction(): transactions that call this with the same name run one at a
    time, up to their commit. SQLite's BEGIN IMMEDIATE already holds the database's write lock;
    PostgreSQL takes a transaction-scoped advisory lock."""
    if not is_sqlite():
        await _connection().execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)


def prepare_sqlite_file(path: str) -> None:
    """WAL is a property of the file: set it once, before the app serves."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


async def startup(pool_size: int) -> None:
    db = engine()
    if isinstance(db, SQLiteEngine):
        prepare_sqlite_file(db.path)
        if isinstance(db, PooledSQLiteEngine):
            await db.open_connections(SQLITE_CONNECTIONS)
    elif pool_size > 0:
        await db.start_connection_pool(min_size=min(2, pool_size), max_size=pool_size)


async def shutdown() -> None:
    db = engine()
    if isinstance(db, PooledSQLiteEngine):
        await db.close_connections()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()


async def apply_migrations() -> int:
    """Apply every pending migration in the top-level migrations/ folder; returns how many ran.
    Piccolo's own narration (which on a fresh database counts every migration both as complete and
    as not yet run) is kept for a failure's message only."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    pending = await pending_migrations()
    if not pending:
        return 0
    narration = io.StringIO()
    with contextlib.redirect_stdout(narration):
        result = await run_forwards(app_name="crm")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{narration.getvalue()[-2000:]}")
    return len(pending)


@functools.cache
def _known_migrations() -> list[str]:
    from piccolo.apps.migrations.commands.base import BaseMigrationManager

    manager = BaseMigrationManager()
    folder = manager.get_app_config("crm").resolved_migrations_folder_path
    return manager.get_migration_ids(manager.get_migration_modules(folder))


async def pending_migrations() -> list[str]:
    """IDs of migrations in migrations/ that the database has not applied."""
    from piccolo.apps.migrations.tables import Migration

    known = _known_migrations()
    if not await Migration.table_exists().run():
        return known
    applied = set(await Migration.get_migrations_which_ran(app_name="crm"))
    return [migration_id for migration_id in known if migration_id not in applied]


def is_out_of_range(error: BaseException) -> bool:
    """True when a driver refused a number too large for its column (an id no record has)."""
    import asyncpg

    if isinstance(error, OverflowError):
        return True
    return isinstance(error, asyncpg.DataError) and "out of" in str(error) and "range" in str(error)


async def save_new(row, duplicate: Exception) -> None:
    """Insert a new Piccolo row; when a UNIQUE constraint refuses it (a concurrent writer got there
    between the caller's check and this insert), raise `duplicate`, the caller's field error."""
    try:
        await row.save()
    except Exception as error:
        if is_unique_violation(error):
            raise duplicate from None
        raise


def is_locked(error: BaseException) -> bool:
    """True when SQLite gave up waiting for the write lock (a long import holds it)."""
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


def is_unique_violation(error: BaseException) -> bool:
    """True when a driver error says a UNIQUE constraint refused the write."""
    import asyncpg

    if isinstance(error, asyncpg.UniqueViolationError):
        return True
    return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)


# --- bulk writes through the transaction's driver connection (imports) -------------------------
#
# Piccolo builds every statement in Python (~60 µs a row); imports hand rows to the driver.
# SQL is written with `?` placeholders; PostgreSQL gets `$n`.


def _connection():
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes need an open write_transaction()")
    return transaction.connection


def _placeholders(sql: str) -> str:
    if is_sqlite():
        return sql
    parts = sql.split("?")
    return "".join(part + (f"${number}" if number < len(parts) else "") for number, part in enumerate(parts, 1))


BULK_CACHE_KB = 65_536


async def use_bulk_cache() -> None:
    """SQLite: a batch's transaction gets a 64 MB page cache. With the default 2 MB, a big batch
    spills dirty pages to the WAL and reads them back: most of its time went to pread and pwrite.
    The connection is the transaction's own (Piccolo opens one per transaction) and closes with it."""
    if is_sqlite():
        await _connection().execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")


def bit_or(column: str, bits: Iterable[int]) -> str:
    """SQL of an aggregate: the bitwise OR of `column` over a group whose values hold no bits but
    `bits`. PostgreSQL has bit_or; SQLite has no such aggregate, so each bit is the MAX of its own."""
    if not is_sqlite():
        return f"bit_or({column})"
    return "(" + " | ".join(f"MAX({column} & {value})" for value in sorted(set(bits))) + ")" if bits else "0"


def as_date(value: Any) -> dt.date:
    """A stored date as the driver hands it back (SQLite rows read through it are text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def timestamp(value):
    """A timestamp as a bulk write binds it, once per row: SQLite gets Piccolo's text form up front
    (its adapter would convert it again for every row), PostgreSQL the datetime."""
    if is_sqlite():
        from piccolo.engine.sqlite import convert_datetime_in

        return convert_datetime_in(value)
    return value


async def reserve_ids(table: str, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, taken before the insert so links can point at them."""
    if count == 0:
        return []
    connection = _connection()
    if is_sqlite():
        cursor = await connection.execute(f"SELECT COALESCE(MAX(id), 0) AS highest FROM {table}")
        highest = (await cursor.fetchone())["highest"]
        return list(range(highest + 1, highest + 1 + count))
    sequence = await connection.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
    rows = await connection.fetch("SELECT nextval($1::regclass) FROM generate_series(1, $2)", sequence, count)
    return [row[0] for row in rows]


async def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    connection = _connection()
    if is_sqlite():
        marks = ", ".join("?" for _ in columns)
        await connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    else:
        await connection.copy_records_to_table(table, records=rows, columns=columns)


async def execute_many(sql: str, rows: list[tuple]) -> None:
    if rows:
        await _connection().executemany(_placeholders(sql), rows)


async def fetch_in(sql: str, values: list, *, before: tuple = ()) -> list[dict]:
    """Rows of `sql`, whose `IN (?)` is expanded to the given values, read through the current
    transaction's driver connection (Piccolo would build the statement in Python, ~5 µs a value).
    SQLite gets the values as parameters, in pages below its limit; PostgreSQL gets one array
    (`= ANY($1)`: planning an IN list of thousands of parameters took longer than the search).
    `before`: parameters of the `?` placeholders that come before the IN list (an UPDATE ...
    RETURNING works too: its rows come back)."""
    rows: list[dict] = []
    connection = _connection()
    if not is_sqlite():
        statement = _placeholders(sql.replace("IN (?)", "= ANY(?)"))
        for start in range(0, len(values), 50_000):
            rows += [dict(row) for row in await connection.fetch(statement, *before, values[start:start + 50_000])]
        return rows
    for start in range(0, len(values), 10_000):
        page = values[start:start + 10_000]
        cursor = await connection.execute(sql.replace("IN (?)", f"IN ({', '.join('?' for _ in page)})"),
                                          [*before, *page])
        rows += await cursor.fetchall()  # dicts already: Piccolo's row factory
    return rows


async def fetch_all(sql: str, params: tuple | list = ()) -> list[dict]:
    """Rows of `sql` (`?` placeholders) through the current transaction's driver connection."""
    connection = _connection()
    if is_sqlite():
        cursor = await connection.execute(sql, list(params))
        return await cursor.fetchall()
    return [dict(row) for row in await connection.fetch(_placeholders(sql), *params)]


async def fetch_value(sql: str, params: tuple | list = ()):
    rows = await fetch_all(sql, params)
    return next(iter(rows[0].values())) if rows else None


async def fold_rows(table: str, key: list[str], measure: str) -> None:
    """Replace a table of delta rows by one row per key holding their sum. On PostgreSQL the rows
    folded are exactly the ones deleted (a concurrent writer's new delta stays as it is)."""
    columns = ", ".join(key)
    if is_sqlite():  # the write transaction holds the only write lock
        totals = await fetch_all(f"SELECT {columns}, SUM({measure}) AS total FROM {table} GROUP BY {columns}")
        await _connection().execute(f"DELETE FROM {table}")
        await insert_rows(table, [*key, measure], [(*(row[name] for name in key), row["total"])
                                                   for row in totals if row["total"]])
        return
    await _connection().execute(
        f"WITH folded AS (DELETE FROM {table} RETURNING {columns}, {measure}) "
        f"INSERT INTO {table} ({columns}, {measure}) SELECT {columns}, SUM({measure}) FROM folded "
        f"GROUP BY {columns} HAVING SUM({measure}) <> 0")


def for_update() -> str:
    """Row locks for a read that is followed by a write of the same rows (PostgreSQL; a SQLite write
    transaction already holds the database's only write lock)."""
    return "" if is_sqlite() else " FOR UPDATE"


async def add_to_counts(table: str, key: list[str], measure: str, rows: list[tuple], where: str) -> list[tuple]:
    """Add each row's last value to the stored count of its key (a row inserted if there is none), and
    return (key..., count now) per row: exact even when other writers add to the same keys, so the
    caller can tell a key that just appeared (count now == added) or emptied (count now <= 0).
    `where`: the predicate of the partial unique index the keys live in (e.g. "department IS NULL")."""
    if not rows:
        return []
    connection = _connection()
    names = ", ".join(key)
    if is_sqlite():  # the write transaction holds the only write lock: read, then write
        stored: dict[tuple, int] = {}
        for start in range(0, len(rows), 500):
            page = rows[start:start + 500]
            conditions = " OR ".join("(" + " AND ".join(f"{name} IS ?" for name in key) + ")" for _ in page)
            cursor = await connection.execute(f"SELECT {names}, {measure} FROM {table} WHERE {where} AND ({conditions})",
                                              [value for row in page for value in row[:-1]])
            stored.update({tuple(found[name] for name in key): found[measure] for found in await cursor.fetchall()})
        result = [(*row[:-1], stored.get(tuple(row[:-1]), 0) + row[-1]) for row in rows]
        await connection.executemany(
            f"INSERT INTO {table} ({names}, {measure}) VALUES ({', '.join('?' for _ in key)}, ?) "
            f"ON CONFLICT ({names}) WHERE {where} DO UPDATE SET {measure} = excluded.{measure}", result)
        return result
    types = await _column_types(table, [*key, measure])
    arrays = [list(column) for column in zip(*rows)]
    unnest = ", ".join(f"${number}::{types[name]}[]" for number, name in enumerate([*key, measure], 1))
    found = await connection.fetch(
        f"INSERT INTO {table} AS stored ({names}, {measure}) SELECT * FROM unnest({unnest}) "
        f"ON CONFLICT ({names}) WHERE {where} DO UPDATE SET {measure} = stored.{measure} + excluded.{measure} "
        f"RETURNING {names}, {measure}", *arrays)
    return [(*(record[name] for name in key), record[measure]) for record in found]


_types: dict[str, dict[str, str]] = {}


async def _column_types(table: str, columns: list[str]) -> dict[str, str]:
    if table not in _types:
        rows = await _connection().fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1", table)
        _types[table] = {row["column_name"]: row["data_type"] for row in rows}
    return {name: _types[table][name] for name in columns}

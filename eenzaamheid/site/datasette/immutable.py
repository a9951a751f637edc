"""What Datasette 0.65 works out anew on every request although it cannot change while the site
is served from an immutable database: read once, kept, handed out as copies.

- the schema: Datasette asks SQLite for a table's columns, keys, foreign keys, definition and
  existence anew for every page, each a round trip to a worker thread: 25 of the 34 queries of a
  table page, about 2.5 ms of CPU. The site serves its database as immutable (`--immutable`,
  opened with SQLite's `immutable=1`), so its schema cannot change while it is served; these
  answers are kept per database (a bounded memo: table names come from URLs). Mutable databases,
  data queries and anything not listed here go to SQLite as before;
- which `allow` blocks the metadata sets on a table (`_table_permission_allows`, asked twice per
  table page, each a deep copy of the whole metadata): kept per table while no plugin supplies
  metadata (the get_metadata hook), which is then fixed from startup;
- the schema refresh of Datasette's _internal database before every request: once every served
  database is immutable and has been read, there is nothing left to refresh.
"""
from __future__ import annotations

from collections import OrderedDict

from datasette.database import Database, Results
from datasette.plugins import pm

MAX_ENTRIES = 2000  # a few per table; URLs can name tables that do not exist

# Datasette's own schema queries (datasette/app.py and database.py 0.65.5), read through execute()
SCHEMA_SQL = frozenset({
    "PRAGMA schema_version",
    "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase",
    "select 1 from sqlite_master where type='table' and name=?",
    "select name from sqlite_master where type='table'",
    "select name from sqlite_master where type='view'",
    "select sql from sqlite_master where name = :n and type=:t",
    "select sql from sqlite_master where tbl_name = :n and type='index' and sql is not null",
})


def _frozen(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return tuple(sorted(params.items()))
    return tuple(params)


def _same(value):
    return value


def _rows_copy(found):
    rows, truncated, description = found
    return list(rows), truncated, description  # sqlite3.Row is immutable; the list is not


class SchemaMemoDatabase(Database):
    """A Datasette Database whose schema answers are remembered (only for immutable files).
    Every answer is handed out as a copy: callers may change the lists and dicts they get."""

    _schema_memo: OrderedDict

    async def _remember(self, key, compute, copy_of):
        memo = self._schema_memo
        if key in memo:
            memo.move_to_end(key)
            return copy_of(memo[key])
        value = await compute()
        memo[key] = copy_of(value)
        if len(memo) > MAX_ENTRIES:
            memo.popitem(last=False)
        return value

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        if sql not in SCHEMA_SQL:
            return await super().execute(sql, params, truncate, custom_time_limit, page_size, log_sql_errors)
        found = await self._remember(("execute", sql, _frozen(params), truncate, page_size), lambda: self._schema_rows(
            sql, params, truncate, custom_time_limit, page_size, log_sql_errors), _rows_copy)
        return Results(*found)

    async def _schema_rows(self, *args):
        results = await super().execute(*args)
        return list(results.rows), results.truncated, results.description

    def _schema(self, method: str, table, copy_of):
        return self._remember((method, table), lambda: getattr(Database, method)(self, table), copy_of)

    async def table_columns(self, table):
        return await self._schema("table_columns", table, list)

    async def table_column_details(self, table):  # a list of namedtuples
        return await self._schema("table_column_details", table, list)

    async def primary_keys(self, table):
        return await self._schema("primary_keys", table, list)

    async def fts_table(self, table):  # a name or None
        return await self._schema("fts_table", table, _same)

    async def foreign_keys_for_table(self, table):  # a list of flat dicts
        return await self._schema("foreign_keys_for_table", table, lambda fks: [dict(fk) for fk in fks])

    async def label_column_for_table(self, table):  # from the metadata or the columns: a name or None
        if pm.hook.get_metadata.get_hookimpls():
            return await super().label_column_for_table(table)
        return await self._schema("label_column_for_table", table, _same)


def _memo_table_permission_allows(datasette) -> None:
    original = datasette._table_permission_allows
    memo: OrderedDict = OrderedDict()
    metadata = datasette._metadata_local

    def table_permission_allows(database, table):
        if pm.hook.get_metadata.get_hookimpls() or datasette._metadata_local is not metadata:
            return original(database, table)
        key = (database, table)
        if key not in memo:
            memo[key] = original(database, table)
            if len(memo) > MAX_ENTRIES:
                memo.popitem(last=False)
        return list(memo[key])
    datasette._table_permission_allows = table_permission_allows


def _refresh_schemas_once(datasette) -> None:
    original = datasette.refresh_schemas
    refreshed: set = set()  # the databases that were all immutable at the last refresh

    async def refresh_schemas():
        served = {name: db for name, db in datasette.databases.items() if name != "_internal"}
        if refreshed and set(served) == refreshed:
            return
        await original()
        if all(not db.is_mutable for db in served.values()):
            refreshed.clear()
            refreshed.update(served)
    datasette.refresh_schemas = refresh_schemas


def install(datasette) -> None:
    """At startup: the memos above (each applies only where its answers cannot change)."""
    for db in datasette.databases.values():
        if type(db) is Database and not db.is_mutable and not db.is_memory and db.path:
            db._schema_memo = OrderedDict()
            db.__class__ = SchemaMemoDatabase
    _memo_table_permission_allows(datasette)
    _refresh_schemas_once(datasette)

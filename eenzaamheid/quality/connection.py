"""The gate's one read-only connection to the database, shared with Great Expectations: row counts
of the batches, the set-based plans' TEMP tables, and every view the checks read evaluated once
(in a background thread) into a TEMP table of the same name."""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from .model import Controle, quote_ident, sql_literal

_VIEWS_DB = "gate_views"   # the shared in-memory database the views are evaluated into


def readonly_uri(db_path: Path) -> str:
    return f"file:{quote(str(Path(db_path).resolve()))}?mode=ro"



class GateConnection:
    """The plain read-only connection: row counts of the batches and the set-based plans."""

    def __init__(self, db_path: Path):
        # shared with Great Expectations (one connection: the TEMP copies of the views serve both)
        self.conn = sqlite3.connect(readonly_uri(db_path), uri=True, check_same_thread=False)
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self.conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise ValueError(f"{db_path} is geen leesbare SQLite-database ({exc}).") from None
        self.cache: dict[tuple, int | None] = {}
        self.uri = readonly_uri(db_path)
        self.views: list[str] = []
        self.view_thread: threading.Thread | None = None
        self.view_conn: sqlite3.Connection | None = None
        self.shared = ""

    def count(self, tabel: str, bron: str | None = None) -> int | None:
        key = (tabel, bron)
        if key not in self.cache:
            source = f"({bron})" if bron else quote_ident(tabel)
            try:
                self.cache[key] = self.conn.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            except sqlite3.Error:
                self.cache[key] = None
        return self.cache[key]

    def start_views(self, controles: list[Controle]) -> None:
        """Start evaluating every view the checks read, once, in a background thread on a connection
        of its own; `finish_views` puts each in a TEMP table of the same name on this connection.

        The views (aandelen, vraag_trend) aggregate every answer; a suite reads its batch several
        times (GE's connection test, row count, each expectation, an UnexpectedRowsExpectation
        twice), which made these views most of the gate's SQL time. The thread stores them with
        CREATE TABLE AS in a shared in-memory database: SQLite does all of it without Python's lock,
        so the views are computed beside the suites that do not read them (`reads_view`: those run
        first). An unqualified name finds the TEMP table first, so every check sees exactly the rows
        of the view, in its order; the database file is still opened read-only and the copies live
        in memory for this run only."""
        views = [name for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
        text = " ".join(f"{c.tabel} {c.bron or ''} {json.dumps(dict(c.parameters))}" for c in controles)
        self.views = [v for v in views if re.search(rf"\b{re.escape(v)}\b", text)]
        if not self.views:
            return
        self.shared = f"file:gate-views-{os.getpid()}-{id(self)}?mode=memory&cache=shared"
        # The thread's connection keeps the in-memory database alive until finish_views. This
        # connection attaches it only then: attached while the thread writes, every statement
        # prepared here (GE's too) would wait for the thread's schema lock.
        self.view_conn = sqlite3.connect(self.uri, uri=True, check_same_thread=False)

        def evaluate(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"ATTACH DATABASE {sql_literal(self.shared)} AS {_VIEWS_DB}")
            for view in self.views:
                with contextlib.suppress(sqlite3.Error):  # a broken view stays as it is: its checks say why
                    conn.execute(f"CREATE TABLE {_VIEWS_DB}.{quote_ident(view)} AS "
                                 f"SELECT * FROM main.{quote_ident(view)}")

        self.view_thread = threading.Thread(target=evaluate, args=(self.view_conn,), name="views", daemon=True)
        self.view_thread.start()

    def reads_view(self, checks: list[Controle]) -> bool:
        text = " ".join(f"{c.tabel} {c.bron or ''} {json.dumps(dict(c.parameters))}" for c in checks)
        return any(re.search(rf"\b{re.escape(v)}\b", text) for v in self.views)

    def finish_views(self) -> None:
        """The evaluated views as TEMP tables (the same columns, column types, rows and order)."""
        if self.view_thread is None:
            return
        self.view_thread.join()
        self.view_thread = None
        try:
            self.conn.execute(f"ATTACH DATABASE {sql_literal(self.shared)} AS {_VIEWS_DB}")
        finally:
            self.view_conn.close()  # the attachment above keeps the in-memory database
            self.view_conn = None
        done = {name for (name,) in self.conn.execute(f"SELECT name FROM {_VIEWS_DB}.sqlite_master")}
        for view in self.views:
            if view in done:
                name = quote_ident(view)
                self.conn.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {_VIEWS_DB}.{name}")
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute(f"DETACH DATABASE {_VIEWS_DB}")

    def close(self) -> None:
        self.conn.close()

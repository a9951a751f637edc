"""Set-based SQL for the generated checks: all codebook and schema checks on one table run as ONE
query (one Great Expectations UnexpectedRowsExpectation per table) whose failing rows carry the
controle_id they violate.

A check is still described one per question, year, table or column (model.Controle, with its own
controle_id, parameters and row filter `waar`); only the way it runs is set-based:

- ExpectColumnValuesToBeInSet checks on the same column with a row filter on the same columns
  (e.g. the option of every question in every year) are one join of the table with two TEMP
  tables from the codebook on the gate's connection: `bereik` (controle_id -> the filter values)
  and `toegestaan` (controle_id -> the allowed values). One scan of the table instead of one query
  per question and year.
- Not-null, between, unique and the checks that are already SQL (foreign keys, compound keys,
  routing) are one SELECT each, and the column list is read from pragma_table_info; a table's
  SELECTs are combined with UNION ALL.

Each part is first prepared on a plain read-only connection (`SELECT * FROM (part) LIMIT 0`): that
gives its column names for json_object and, when a table or column is missing, the error of
exactly the checks that cannot run, while the others on that table still run. The failing rows
are then evaluated once into a TEMP table that GE's expectation reads (`materialize`).
"""
from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from .model import UNEXPECTED_ROWS, Controle, quote_ident as q, sql_literal as lit

IN_SET = "ExpectColumnValuesToBeInSet"
NOT_NULL = "ExpectColumnValuesToNotBeNull"
BETWEEN = "ExpectColumnValuesToBeBetween"
UNIQUE = "ExpectColumnValuesToBeUnique"
COLUMNS = "ExpectTableColumnsToMatchOrderedList"
SET_BASED = {IN_SET, NOT_NULL, BETWEEN, UNIQUE, COLUMNS, UNEXPECTED_ROWS}
# the table being checked; becomes GE's {batch} (the suite's table asset)
BATCH = "\x00batch\x00"


@dataclass
class Part:
    """One SELECT of a family: failing rows of the checks `controle_ids`, each with a controle_id column."""

    controle_ids: tuple[str, ...]
    sql: str                                # uses BATCH for the table
    columns: tuple[str, ...] = ()           # its row columns (set by prepare)
    setup: tuple[str, ...] = ()             # statements that create the TEMP tables it reads


@dataclass
class Scope:
    """How many rows a check tests (element_count) and how many of those have a value (nonnull)."""

    sql: str                                # rows: controle_id, element_count, nonnull_count
    wide: tuple[str, ...] = ()              # or ONE row: element_count, then nonnull_count of each of these


_numbers = itertools.count(1)  # names of the TEMP tables: unique on a connection


def runs_set_based(c: Controle) -> bool:
    return c.herkomst in ("codeboek", "schema") and c.expectation in SET_BASED


def _row_columns(c: Controle) -> list[str]:
    keys = list(c.sleutel)
    return keys + ([c.kolom] if c.kolom and c.kolom not in keys else [])


def _select(c: Controle, where: str) -> str:
    cols = ", ".join(f"a.{q(k)}" for k in _row_columns(c))
    return f"SELECT {lit(c.controle_id)} AS controle_id, {cols} FROM {BATCH} AS a WHERE {where}"


def _in_set_parts(checks: list[Controle]) -> tuple[Part, Scope]:
    """In-set checks on one column with a row filter on the same columns: one join with two TEMP
    tables from the codebook, `bereik` (controle_id -> the filter values) and `toegestaan`
    (controle_id -> the allowed values), each with an index: every row of the table finds its
    check and its allowed values by key (as VALUES in the query, SQLite would read a whole year's
    answers per question and compare every row with every check)."""
    first = checks[0]
    waar_cols = list(first.waar)
    bereik, toegestaan = [], []
    for c in checks:
        combos = [[]]
        for col in waar_cols:  # a list in the filter means any of its values
            values = c.waar[col] if isinstance(c.waar[col], (list, tuple)) else [c.waar[col]]
            combos = [combo + [v] for combo in combos for v in values]
        bereik += [f"({', '.join([lit(c.controle_id)] + [lit(v) for v in combo])})" for combo in combos]
        toegestaan += [f"({lit(c.controle_id)}, {lit(v)})" for v in c.parameters["value_set"]]
    w = [f"w{i}" for i in range(len(waar_cols))]
    n = next(_numbers)
    b, t = f"temp.gate_bereik_{n}", f"temp.gate_toegestaan_{n}"
    setup = (f"CREATE TEMP TABLE gate_bereik_{n} (cid{''.join(', ' + x for x in w)})",
             f"CREATE INDEX temp.gate_bereik_{n}_w ON gate_bereik_{n} ({', '.join(w + ['cid'])})",
             f"CREATE TEMP TABLE gate_toegestaan_{n} (cid, waarde)",
             f"CREATE INDEX temp.gate_toegestaan_{n}_cw ON gate_toegestaan_{n} (cid, waarde)")
    setup += tuple(f"INSERT INTO {b} VALUES {', '.join(bereik[i:i + 500])}" for i in range(0, len(bereik), 500))
    setup += tuple(f"INSERT INTO {t} VALUES {', '.join(toegestaan[i:i + 500])}" for i in range(0, len(toegestaan), 500))
    join = f"{BATCH} AS a JOIN {b} AS b" + (
        " ON " + " AND ".join(f"a.{q(col)} = b.{x}" for col, x in zip(waar_cols, w)) if w else "")
    col = f"a.{q(first.kolom)}"
    keys = ", ".join(f"a.{q(k)}" for k in _row_columns(first))
    failing = (f"SELECT b.cid AS controle_id, {keys} FROM {join} WHERE {col} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {t} AS t WHERE t.cid = b.cid AND t.waarde = {col})")
    scope = f"SELECT b.cid, count(*), count({col}) FROM {join} GROUP BY b.cid"
    return Part(tuple(c.controle_id for c in checks), failing, setup=setup), Scope(scope)


def _single_part(c: Controle, table: str) -> Part:
    col = f"a.{q(c.kolom)}" if c.kolom else None
    p = c.parameters
    if c.expectation == NOT_NULL:
        return Part((c.controle_id,), _select(c, f"{col} IS NULL"))
    if c.expectation == BETWEEN:
        bounds = ([f"{col} >= {lit(p['min_value'])}"] if p.get("min_value") is not None else []) + (
            [f"{col} <= {lit(p['max_value'])}"] if p.get("max_value") is not None else [])
        return Part((c.controle_id,), _select(c, f"{col} IS NOT NULL AND NOT ({' AND '.join(bounds) or '1'})"))
    if c.expectation == UNIQUE:
        return Part((c.controle_id,), _select(c, f"{col} IS NOT NULL AND {col} IN (SELECT d.{q(c.kolom)} FROM {BATCH} "
                                                  f"AS d GROUP BY d.{q(c.kolom)} HAVING count(*) > 1)"))
    if c.expectation == COLUMNS:  # one row (the columns found) when they differ from the schema's
        found = f"(SELECT json_group_array(name) FROM (SELECT name FROM pragma_table_info({lit(table)}) ORDER BY cid))"
        expected = json.dumps(list(p["column_list"]), ensure_ascii=False)
        return Part((c.controle_id,), f"SELECT {lit(c.controle_id)} AS controle_id, kolommen FROM (SELECT {found} AS "
                                      f"kolommen) WHERE kolommen IS NOT json({lit(expected)}) "
                                      f"AND (SELECT count(*) FROM {BATCH}) >= 0")
    if c.expectation == UNEXPECTED_ROWS:
        query = p["unexpected_rows_query"].replace("{batch}", BATCH)
        return Part((c.controle_id,), f"SELECT {lit(c.controle_id)} AS controle_id, * FROM ({query})")
    raise ValueError(f"{c.controle_id}: {c.expectation} runs on its own")


def plan(table: str, checks: list[Controle]) -> tuple[list[Part], list[Scope]]:
    """The parts and scope queries of one table's set-based checks."""
    parts, scopes = [], []
    in_set: dict[tuple, list[Controle]] = defaultdict(list)
    for c in checks:
        if c.expectation == IN_SET:
            in_set[(c.kolom, tuple(c.waar))].append(c)
        else:
            parts.append(_single_part(c, table))
    for group in in_set.values():
        part, scope = _in_set_parts(group)
        parts.append(part)
        scopes.append(scope)
    plain = [c for c in checks if c.kolom and c.expectation in (NOT_NULL, BETWEEN, UNIQUE)]
    if plain:  # no row filter: every row of the table, one scan for all columns
        counts = ", ".join(f"count(a.{q(c.kolom)})" for c in plain)
        scopes.append(Scope(f"SELECT count(*), {counts} FROM {BATCH} AS a", tuple(c.controle_id for c in plain)))
    return parts, scopes


def _plain(sql: str, table: str) -> str:
    return sql.replace(BATCH, q(table))


def prepare(conn: sqlite3.Connection, table: str, parts: list[Part]) -> tuple[list[Part], dict[str, str]]:
    """Parts that compile on this database (with their columns), and the error of every check in a
    part that does not (missing table or column)."""
    ok, errors = [], {}
    for part in parts:
        try:
            for statement in part.setup:
                conn.execute(statement)
            if part.setup:
                conn.commit()  # (the sqlite3 module opened a transaction; SQLAlchemy would roll it back)
            cursor = conn.execute(f"SELECT * FROM ({_plain(part.sql, table)}) LIMIT 0")
            part.columns = tuple(d[0] for d in cursor.description if d[0] != "controle_id")
            ok.append(part)
        except sqlite3.Error as exc:
            errors.update({cid: f"{type(exc).__name__}: {exc}" for cid in part.controle_ids})
    return ok, errors


def _selects(parts: list[Part]) -> str:
    """The parts as one UNION ALL of (controle_id, rij), rij a JSON object of the part's columns."""
    selects = []
    for part in parts:
        obj = ", ".join(f"{lit(col)}, p.{q(col)}" for col in part.columns)
        selects.append(f"SELECT p.controle_id AS controle_id, json_object({obj}) AS rij FROM ({part.sql}) AS p")
    return " UNION ALL ".join(selects)


def _for_ge(sql: str) -> str:
    # GE fills {batch} with str.format and runs the query as sqlalchemy.text: escape other braces and ':word'
    return re.sub(r":(?=\w)", r"\\:", sql.replace("{", "{{").replace("}", "}}"))


def family_query(parts: list[Part]) -> str:
    """One UnexpectedRowsExpectation query: every failing row as (controle_id, rij), rij a JSON object,
    the parts reading GE's {batch} (a query asset's checks; the rest are evaluated by `materialize`)."""
    return _for_ge(_selects(parts)).replace(BATCH, "(SELECT * FROM {batch})")


def materialize(conn: sqlite3.Connection, tables: list[tuple[str, list[Part]]]) -> str:
    """Evaluate the failing rows of several tables' parts ONCE, into a TEMP table on the gate's
    connection (the one GE uses), and return the UnexpectedRowsExpectation query that reads them.

    GE runs an UnexpectedRowsExpectation's query twice (SELECT COUNT(*) of it, then its rows): for
    the parts on a long table (antwoorden_niet_meegeteld, 900,000 rows in a delivery 100 times the
    demo's) that was half the gate's SQL. The rows, their check ids and GE's verdict are the same;
    the `{batch}` (one row) only keeps GE from warning that the query ignores its batch. Raises
    sqlite3.Error when the parts do not run together (each compiled on its own in `prepare`)."""
    name = f"gate_afwijkend_{next(_numbers)}"
    union = " UNION ALL ".join(_selects(parts).replace(BATCH, q(table)) for table, parts in tables)
    conn.execute(f"CREATE TEMP TABLE {name} AS {union}")
    conn.commit()
    return f"SELECT controle_id, rij FROM temp.{name} WHERE EXISTS (SELECT 1 FROM (SELECT * FROM {{batch}}))"


def scope_counts(conn: sqlite3.Connection, table: str, scopes: list[Scope]) -> dict[str, tuple[int, int]]:
    """controle_id -> (element_count, nonnull_count) on the plain read-only connection; a scope that
    cannot be counted is left out (its checks already fail with their error)."""
    out: dict[str, tuple[int, int]] = {}
    for scope in scopes:
        try:
            rows = conn.execute(_plain(scope.sql, table)).fetchall()
            if scope.wide:
                n, *nonnull = rows[0]
                rows = [(cid, n, count) for cid, count in zip(scope.wide, nonnull)]
            out.update({cid: (n, nonnull) for cid, n, nonnull in rows})
        except sqlite3.Error:
            continue
    return out

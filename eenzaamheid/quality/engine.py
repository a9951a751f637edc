"""Running every check with Great Expectations against the SQLite file, opened read-only.

One suite per table (or per query of a steward's check with `bron`), one ValidationDefinition on
one batch. In a table's suite:

- the generated codebook and schema checks of that table as ONE UnexpectedRowsExpectation
  (families.py): its failing rows carry their controle_id and are split per check; they are
  evaluated once into a TEMP table that GE's query reads (`families.materialize`: GE runs such a
  query twice, to count and to fetch);
- the steward's checks on that table, each its own expectation, as written.

The tables that have only generated checks run together: their set-based queries as one
UnexpectedRowsExpectation in one suite, each part reading its table by name.

Great Expectations runs fully offline and leaves nothing behind: an ephemeral context with
in-memory stores (no Data Docs, no files), analytics off, progress bars off, and the database
opened read-only (SQLite URI mode=ro). All failing rows are reported (GE's unexpected_index_list is
asked for without the default limit of 20, and the rows of an UnexpectedRowsExpectation beyond GE's
200 are fetched with ValidationDefinition.get_unexpected_rows). A plain read-only sqlite3
connection prepares the set-based queries and counts rows (how many rows a check tested).
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sqlite3
import sys
import time
import types
from collections import defaultdict
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote

import pandas as pd

from . import families
from .connection import GateConnection, readonly_uri
from .generated import codebook_expectations, schema_expectations
from .manual import manual_expectations
from .model import ERNSTEN, UNEXPECTED_ROWS, Controle, QualityConfigError, QualityResult
from .results import BATCH_ROWS, error_result, expectation_result, family_result
from .tables import CONTROLE_COLUMNS, RESULTAAT_COLUMNS

# GE's SQL unexpected_index_list is cut at result_format["partial_unexpected_count"] (default 20);
# a limit above any table's size gives every failing row.
_ALL_ROWS = 2**31 - 1
_FAMILY = "gegenereerd"  # meta of a table's set-based expectation


def expectations(db_path: Path | None = None) -> list[Controle]:
    """Every check to run, in a stable order: codebook, schemas, then the hand-written ones.

    The checks depend only on the codebook, the clean Table Schemas, checks/handmatige_controles.yml
    and checks/published_figures.csv, so the same list describes every database; `db_path` is
    accepted for symmetry with `run` and not read.
    """
    out = codebook_expectations() + schema_expectations() + manual_expectations()
    seen: dict[str, Controle] = {}
    suites: dict[str, tuple] = {}
    keys: dict[str, tuple] = {}
    for c in out:
        if c.controle_id in seen:
            raise QualityConfigError(f"Controle {c.controle_id!r} komt twee keer voor.")
        seen[c.controle_id] = c
        if c.ernst not in ERNSTEN:
            raise QualityConfigError(f"{c.controle_id}: ernst {c.ernst!r} is onbekend (kies uit {', '.join(ERNSTEN)}).")
        asset = (c.tabel, c.bron)
        if suites.setdefault(c.suite, asset) != asset:
            raise QualityConfigError(f"Suite {c.suite!r} draait op twee verschillende bronnen ({c.controle_id}).")
        # GE takes the key columns of failing rows per run (suite), not per expectation
        if (c.expectation != UNEXPECTED_ROWS and not families.runs_set_based(c)
                and keys.setdefault(c.suite, c.sleutel) != c.sleutel):
            raise QualityConfigError(f"{c.controle_id}: sleutel {list(c.sleutel)} wijkt af van de sleutel "
                                     f"{list(keys[c.suite])} van de andere controles op {c.tabel}; laat sleutel weg "
                                     "of gebruik een eigen bron.")
    return out


# Imported by GE at start-up for expectations the gate never runs (the KL divergence expectation:
# scipy.stats and altair, ~1 s of GE's ~2.3 s import) and used by them only when they run: these
# load on first use instead. (importlib.util.LazyLoader cannot do it on Python 3.11: the import
# statement itself reads the module's __spec__, which makes it load.)
LAZY_MODULES = ("scipy.stats", "altair")


class _OnFirstUse(types.ModuleType):
    """Stands in for a module until one of its attributes is asked for; then imports it."""

    def __init__(self, spec) -> None:
        super().__init__(spec.name)
        self.__spec__ = spec  # what an import statement reads: set, so it does not load the module

    def __getattr__(self, attr: str):  # only for attributes not set above: the module's own
        name = self.__spec__.name
        if sys.modules.get(name) is self:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)


def _lazy(name: str) -> None:
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return
    if spec is not None:
        sys.modules[name] = _OnFirstUse(spec)


def _gx():
    """Import Great Expectations with analytics off (must be set before the import)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    if "great_expectations" not in sys.modules:
        for name in LAZY_MODULES:
            _lazy(name)
    import great_expectations as gx

    return gx


def _context(gx):
    from great_expectations.data_context.types.base import (
        DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                               analytics_enabled=False, data_docs_sites={},
                               progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False))
    context = gx.get_context(mode="ephemeral", project_config=config)
    # An ephemeral context still serialises its whole configuration to YAML (into an in-memory
    # store nobody reads) after every asset and batch definition it gains: ~50 times per run, each
    # larger than the one before. Nothing is kept, so skip it.
    context._save_project_config = lambda: None
    return context


def _readonly_url(db_path: Path) -> str:
    """SQLAlchemy URL of the file opened read-only (SQLite URI mode=ro). The path is quoted twice:
    SQLAlchemy unquotes the database part once, SQLite's URI parser the second time (a path with
    spaces, '#' or '?' stays one path)."""
    return f"sqlite:///file:{quote(quote(str(Path(db_path).resolve())))}?mode=ro&uri=true"


def _row_condition(waar: Mapping[str, Any]):
    from great_expectations.expectations.row_conditions import Column

    condition = None
    for column, value in waar.items():
        part = Column(column).is_in(value) if isinstance(value, (list, tuple)) else Column(column) == value
        condition = part if condition is None else condition & part
    return condition


def _wrap_batch(query: str) -> str:
    """`{batch}` as a derived table that may be aliased and joined however GE renders it.

    GE substitutes {batch} by `(SELECT …) AS subselect` in a query without JOIN and by `(SELECT …)`
    in a query with one; as `(SELECT * FROM {batch})` both forms are a valid table expression, so
    the checks can always write `FROM {batch} AS x`."""
    return query.replace("{batch}", "(SELECT * FROM {batch})")


def is_synthetic(db_path: Path) -> bool:
    """Whether any delivery in this database is synthetic (bronbestanden.synthetisch); True when it
    cannot be told, so that a report never presents demo rows as real."""
    try:
        conn = sqlite3.connect(readonly_uri(db_path), uri=True)
        try:
            return conn.execute("SELECT count(*) FROM bronbestanden WHERE synthetisch = 1").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:
        return True


def run(db_path: Path, controles: list[Controle] | None = None) -> QualityResult:
    """Run every check with Great Expectations against the SQLite file, opened read-only.

    Raises FileNotFoundError (no such file), ValueError (not an SQLite database) or
    QualityConfigError (a ValueError: checks/handmatige_controles.yml is wrong). A check that cannot
    run on this database (missing table, broken query) does not raise: it fails, with the reason in
    `waargenomen`. `controles`: the list `expectations()` gives, when the caller made it already.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"Database {db_path} bestaat niet.")
    controles = expectations(db_path) if controles is None else controles
    counter = GateConnection(db_path)  # also proves the file opens read-only before GE is involved
    counter.start_views(controles)
    gx = _gx()
    # a check that cannot run is reported in its result (waargenomen.fout); GE would also log the
    # whole traceback of every such SQL error to stderr
    gx_logger = logging.getLogger("great_expectations")
    level = gx_logger.level
    gx_logger.setLevel(logging.CRITICAL)
    by_suite: dict[str, list[Controle]] = defaultdict(list)
    for c in controles:
        by_suite[c.suite].append(c)
    results: dict[str, dict] = {}
    source = None
    try:
        context = _context(gx)
        # GE keeps one connection to an SQLite file (StaticPool): ours, with the views' TEMP copies
        source = context.data_sources.add_sqlite(name="benchmark", connection_string=_readonly_url(db_path),
                                                 kwargs={"creator": lambda: counter.conn})
        # the suites that read a view last, when the background thread has evaluated the views
        suites = sorted(((f"a{n:03d}", name, checks) for n, (name, checks) in enumerate(by_suite.items())),
                        key=lambda suite: counter.reads_view(suite[2]))
        # the tables with only generated checks in one validation: GE's own work per validation
        # (~10-15 ms: batch, suite, metrics graph, stored results) counted more than their SQL
        together = [checks for _, _, checks in suites if _only_generated(checks, counter)]
        if together:
            results.update(_run_tables_together(gx, context, source, together, counter))
        for asset_name, suite_name, checks in suites:
            if _only_generated(checks, counter):
                continue
            if counter.reads_view(checks):
                counter.finish_views()
            results.update(_run_suite(gx, context, source, asset_name, suite_name, checks, counter))
    finally:
        gx_logger.setLevel(level)
        counter.finish_views()  # (the thread must end before its connection's database is closed)
        counter.close()
        if source is not None:
            with contextlib.suppress(Exception):
                source.get_execution_engine().close()
    controles_df = pd.DataFrame([c.as_row() for c in controles], columns=CONTROLE_COLUMNS)
    resultaten_df = pd.DataFrame([results[c.controle_id] for c in controles], columns=RESULTAAT_COLUMNS)
    resultaten_df = resultaten_df.astype({"geslaagd": "int64", "getoetst": "Int64", "afwijkend": "int64"})
    order = controles_df["controle_id"].argsort(kind="stable")
    return QualityResult(controles_df.iloc[order].reset_index(drop=True),
                         resultaten_df.iloc[order].reset_index(drop=True),
                         round(time.perf_counter() - started, 3))


def _only_generated(checks: list[Controle], counter: GateConnection) -> bool:
    return not checks[0].bron and all(families.runs_set_based(c) for c in checks) and not counter.reads_view(checks)


def _run_tables_together(gx, context, source, groups: list[list[Controle]], counter: GateConnection) -> dict[str, dict]:
    """The generated checks of several tables (one list per table) as one UnexpectedRowsExpectation."""
    out: dict[str, dict] = {}
    planned = []  # (table, parts, scopes, checks by id)
    for checks in groups:
        table, generated = checks[0].tabel, {c.controle_id: c for c in checks}
        parts, scopes = families.plan(table, checks)
        parts, errors = families.prepare(counter.conn, table, parts)
        out.update({cid: error_result(generated[cid], message) for cid, message in errors.items()})
        if parts:
            planned.append((table, parts, scopes, generated))
    if not planned:
        return out
    try:
        asset = source.add_query_asset(name="a_gegenereerd", query="SELECT 1 AS een")
        expectation = gx.expectations.UnexpectedRowsExpectation(
            unexpected_rows_query=families.materialize(counter.conn, [(table, parts) for table, parts, _, _ in planned]),
            meta={"controle_id": _FAMILY})
        suite = context.suites.add(gx.ExpectationSuite(name=_FAMILY, expectations=[expectation]))
        definition = context.validation_definitions.add(gx.ValidationDefinition(
            name=_FAMILY, data=asset.add_batch_definition_whole_table("alles"), suite=suite))
        validation = definition.run(result_format={"result_format": "COMPLETE", "partial_unexpected_count": _ALL_ROWS,
                                                   "return_unexpected_index_query": False})
        rows = _family_rows(validation.results[0], definition, expectation)
    except Exception as exc:
        rows = f"{type(exc).__name__}: {exc}"
    for table, parts, scopes, generated in planned:
        out.update(_family_results(rows, parts, generated, scopes, table, counter))
    return out


def _run_suite(gx, context, source, asset_name: str, suite_name: str, checks: list[Controle],
               counter: GateConnection) -> dict[str, dict]:
    first = checks[0]
    own = [c for c in checks if not families.runs_set_based(c)]
    generated = {c.controle_id: c for c in checks if families.runs_set_based(c)}
    out: dict[str, dict] = {}
    parts, scopes = families.plan(first.tabel, list(generated.values())) if generated else ([], [])
    parts, errors = families.prepare(counter.conn, first.tabel, parts)
    out.update({cid: error_result(generated[cid], message) for cid, message in errors.items()})
    keys = list(next((c.sleutel for c in own if c.expectation != UNEXPECTED_ROWS), ()))
    try:
        if first.bron:
            asset = source.add_query_asset(name=asset_name, query=first.bron)
        else:
            asset = source.add_table_asset(name=asset_name, table_name=first.tabel)
        batch_definition = asset.add_batch_definition_whole_table("alles")
        made = {}
        for c in own:
            cls = getattr(gx.expectations, c.expectation, None)
            if cls is None:
                raise QualityConfigError(f"{c.controle_id}: onbekende expectation {c.expectation!r}.")
            kwargs = dict(c.parameters)
            if c.expectation == UNEXPECTED_ROWS:
                kwargs["unexpected_rows_query"] = _wrap_batch(kwargs["unexpected_rows_query"])
            if c.waar:
                kwargs["row_condition"] = _row_condition(c.waar)
            made[c.controle_id] = cls(**kwargs, meta={"controle_id": c.controle_id})
        if parts:
            made[_FAMILY] = gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=_family_query(counter, first, parts), meta={"controle_id": _FAMILY})
        if not made:
            return out
        # the suite is stored once with all its expectations (suite.add_expectation would store the
        # whole suite again for every expectation)
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=list(made.values())))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
        result_format: dict = {"result_format": "COMPLETE", "partial_unexpected_count": _ALL_ROWS,
                               "return_unexpected_index_query": False}
        if keys:
            result_format["unexpected_index_column_names"] = keys
        validation = definition.run(result_format=result_format)
    except Exception as exc:  # the asset itself is broken (missing table, bad query): every check fails
        message = f"{type(exc).__name__}: {exc}"
        return {c.controle_id: out.get(c.controle_id) or error_result(c, message) for c in checks}

    for r in validation.results:
        cid = (r.expectation_config.meta or {}).get("controle_id")
        if cid == _FAMILY:
            rows = _family_rows(r, definition, made[_FAMILY])
            out.update(_family_results(rows, parts, generated, scopes, first.tabel, counter))
        else:
            out[cid] = expectation_result(next(x for x in own if x.controle_id == cid), r, definition, made[cid])
    for c in checks:  # checks about the whole batch: its number of rows
        if c.controle_id in out and out[c.controle_id]["getoetst"] is BATCH_ROWS:
            out[c.controle_id]["getoetst"] = counter.count(c.tabel, c.bron)
    for c in checks:  # GE returned nothing for a check (should not happen): report it, do not hide it
        out.setdefault(c.controle_id, error_result(c, "Great Expectations gaf geen resultaat."))
    return out


def _family_query(counter: GateConnection, first: Controle, parts: list) -> str:
    """A table's set-based parts, evaluated once (families.materialize); on a query asset, or when
    they do not run together, as GE's own query, which then reports the error."""
    if not first.bron:
        with contextlib.suppress(sqlite3.Error):
            return families.materialize(counter.conn, [(first.tabel, parts)])
    return families.family_query(parts)


def _family_rows(r, definition, expectation) -> list[dict] | str:
    """The failing rows of a set-based expectation (controle_id, rij), or the error that stopped it."""
    info = r.exception_info or {}
    if info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception") for v in info.values()):
        messages = [info.get("exception_message")] + [v.get("exception_message") for v in info.values()
                                                     if isinstance(v, dict)]
        return "; ".join(sorted({m for m in messages if m})) or "onbekende fout"
    res = dict(r.result or {})
    rows = list((res.get("details") or {}).get("unexpected_rows") or [])
    if int(res.get("observed_value") or 0) > len(rows):  # GE returns at most 200 rows; fetch them all
        rows = definition.get_unexpected_rows(expectation)
    return rows


def _family_results(rows: list[dict] | str, parts, generated: dict[str, Controle], scopes, table: str,
                    counter: GateConnection) -> dict[str, dict]:
    """One result per check of a table's set-based parts, from the failing rows (or the error)."""
    if isinstance(rows, str):
        return {cid: error_result(generated[cid], rows) for part in parts for cid in part.controle_ids}
    per_check: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        per_check[row["controle_id"]].append(json.loads(row["rij"]))
    counts = families.scope_counts(counter.conn, table, scopes)
    table_rows = counter.count(table)
    return {cid: family_result(generated[cid], per_check.get(cid, []), counts.get(cid), table_rows)
            for part in parts for cid in part.controle_ids}

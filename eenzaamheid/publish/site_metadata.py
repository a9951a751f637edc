"""The metadata Datasette serves, generated at build time from the single sources.

metadata.yml holds what a person decides (title, licence, sources, canned queries, facets,
sort orders, label columns, the meaning of computed view columns); schemas/clean/*.yaml (and
quality.TABLE_SCHEMAS for the two tables of the quality checks) hold every table's and column's
meaning; views.sql holds every view's meaning in its comment. This
module merges them into clean/metadata.json, so no description is typed twice.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from ..atomic import write_atomic
from .. import quality
from . import release

from ..tables import cleanschema
from ..paths import ROOT

METADATA_YML = ROOT / "metadata.yml"
VIEWS_SQL = Path(__file__).parent.parent / "tables" / "views.sql"
DATASETTE_KEYS = ("title", "description_html", "license", "license_url", "source", "source_url", "about", "about_url",
                  "kerncijfers_home")
DATABASE = "benchmark"


def view_descriptions(sql: str) -> dict[str, str]:
    """The Dutch comment right above each CREATE VIEW, without its leading 'name:'."""
    out = {}
    for m in re.finditer(r"((?:^--[^\n]*\n)+)CREATE VIEW (\w+)", sql, flags=re.M):
        text = " ".join(line[2:].strip() for line in m.group(1).strip().splitlines())
        out[m.group(2)] = re.sub(rf"^{m.group(2)}:\s*", "", text)
    return out


def _column_meanings() -> dict[str, str]:
    """Column name -> description, from the clean tables (first table that has it)."""
    meanings: dict[str, str] = {}
    for table in cleanschema.TABLES:
        for f in cleanschema.load(table)["fields"]:
            meanings.setdefault(f["name"], f.get("description") or f["title"])
    return meanings


def datasette_metadata(db_path: Path) -> dict:
    source = release.metadata(METADATA_YML)  # the survey years filled in ({jaren} in metadata.yml)
    out = {k: source[k] for k in DATASETTE_KEYS if k in source}
    hand = source["databases"][DATABASE]
    tables: dict[str, dict] = {}
    schemas = {t: cleanschema.load(t) for t in cleanschema.TABLES} | quality.TABLE_SCHEMAS
    for table, schema in schemas.items():
        tables[table] = {"description": f"{schema['title']}. {schema['description'].strip()}",
                         "columns": {f["name"]: f.get("description") or f["title"] for f in schema["fields"]}}
    meanings = {**_column_meanings(), **source.get("kolommen", {})}
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        # views, and the views the build stored as tables (load.MATERIALIZED_VIEWS)
        views = [r[0] for r in conn.execute("select name from sqlite_master where type in ('view', 'table')")]
        for view, text in view_descriptions(VIEWS_SQL.read_text(encoding="utf-8")).items():
            if view in views:
                columns = [r[1] for r in conn.execute(f"pragma table_info([{view}])")]
                tables[view] = {"description": text, "columns": {
                    c: meanings.get(c) or meanings.get("<jaar>", "").replace("dat jaar", f"in {c}") if c.isdigit()
                    else meanings.get(c, "") for c in columns}}
    finally:
        conn.close()
    for name, settings in (hand.get("tables") or {}).items():
        tables.setdefault(name, {}).update(settings)
    out["databases"] = {DATABASE: {k: v for k, v in hand.items() if k != "tables"} | {"tables": tables}}
    return out


def write(db_path: Path, path: Path) -> None:
    text = json.dumps(datasette_metadata(db_path), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomic(path, text)

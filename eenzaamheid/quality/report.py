"""The steward's quality report: deliveries, clean tables and database checks on one page.

`render` merges three sources into one self-contained HTML page (templates/rapporten/kwaliteit.html
with the reports' one stylesheet inline, no scripts, no external assets, autoescaped; a synthetic
build says so at the top) and the same content as a JSON-able dict:

- per delivery file: the validation problems (frictionless contract + pandera rules) of
  `eenzaamheid.validate`, all of them;
- per table: the pandera check of the clean table (`clean_checks`: table -> 'geslaagd' or the
  failure text) and every Great Expectations check on that table (`eenzaamheid.quality`), with
  its severity, meaning and ALL failing rows by key;
- at the top a verdict: 'Publiceerbaar' when no fatal check failed (a failed clean-table check
  counts as fatal), otherwise 'Niet publiceerbaar' with the fatal checks listed.

The output is deterministic (no timestamps or durations, everything sorted) and free text is
redacted (privacy.redact_value, as in the published tables) once more, whatever
the callers did.
"""
from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from .. import templating
from ..tables import cleanschema
from ..privacy import redact_value as _redact_value, report_problem
from ..problems import FOUT, WAARSCHUWING
from .model import ERNSTEN, FATAAL, QualityResult

PUBLISHABLE, NOT_PUBLISHABLE = "Publiceerbaar", "Niet publiceerbaar"
PASSED = "geslaagd"
from ..publish.refusal import NOT_RUN  # noqa: E402  (one wording for report and CLI)
TITLE = "Kwaliteitsrapport Benchmark Eén tegen eenzaamheid"
_RANK = {e: i for i, e in enumerate(ERNSTEN)}


# --- the content as a dict ----------------------------------------------------------------------

# once per distinct text: a large delivery's problems repeat file, rule, column and value (~1 s per
# 15,000 problems for the patterns alone)
redact_value = functools.lru_cache(maxsize=1 << 16)(_redact_value)


def _clean(value):
    """JSON-able, NaN/NA -> None, strings redacted."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return redact_value(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _loads(text):
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _controls(quality: QualityResult) -> list[dict]:
    merged = quality.controles.merge(quality.resultaten, on="controle_id", how="left")
    out = []
    for row in merged.to_dict("records"):
        row = _clean(row)
        out.append({
            "controle_id": row["controle_id"], "tabel": row["tabel"], "suite": row["suite"], "kolom": row["kolom"],
            "expectation": row["expectation"], "parameters": _loads(row["parameters"]), "ernst": row["ernst"],
            "herkomst": row["herkomst"], "betekenis": row["betekenis"],
            "geslaagd": bool(row["geslaagd"]) if row.get("geslaagd") is not None else False,
            "getoetst": row.get("getoetst"), "afwijkend": row.get("afwijkend"),
            "afwijkende_rijen": _clean(_loads(row.get("afwijkende_rijen")) or []),
            "waargenomen": _clean(_loads(row.get("waargenomen"))),
        })
    return sorted(out, key=lambda c: (c["geslaagd"], _RANK.get(c["ernst"], 9), c["controle_id"]))


def _deliveries(validation) -> list[dict]:
    if validation is None:
        return []
    problems = defaultdict(list)
    for p in sorted(validation.problems, key=lambda p: p.sort_key()):
        problems[p.bestand].append(_clean(report_problem(p)))
    years = {f.bestand: f.jaar for f in validation.files}
    out = []
    for name in sorted(set(years) | set(problems)):
        found = problems.get(name, [])
        errors = sum(p["ernst"] == FOUT for p in found)
        out.append({"bestand": redact_value(name), "jaar": years.get(name), "geslaagd": errors == 0, "fouten": errors,
                    "waarschuwingen": sum(p["ernst"] == WAARSCHUWING for p in found), "problemen": found})
    return out


def _table_order(names) -> list[str]:
    known = [t for t in cleanschema.TABLES if t in names]
    return known + sorted(set(names) - set(known))


def to_dict(validation, quality: QualityResult | None, clean_checks: dict[str, str] | None,
            synthetic: bool = False, refusal: dict | None = None) -> dict:
    controls = _controls(quality) if quality is not None else []
    clean_checks = dict(clean_checks or {})
    per_table = defaultdict(list)
    for c in controls:
        per_table[c["tabel"]].append(c)
    tables = []
    for name in _table_order(set(per_table) | set(clean_checks)):
        check = clean_checks.get(name)
        schema = (None if check is None else
                  {"geslaagd": check == PASSED, "melding": None if check == PASSED else redact_value(str(check))})
        found = per_table.get(name, [])
        if schema is not None and not schema["geslaagd"]:  # one readable line per failed check
            schema["regels"] = [line.strip() for line in schema["melding"].splitlines()[1:] if line.strip()]
        tables.append({"tabel": name, "schemacontrole": schema,
                       "geslaagd": all(c["geslaagd"] for c in found) and (schema is None or schema["geslaagd"]),
                       "controles": found})
    fatal = [c for c in controls if not c["geslaagd"] and c["ernst"] == FATAAL]
    failed_schema = [t["tabel"] for t in tables if t["schemacontrole"] and not t["schemacontrole"]["geslaagd"]]
    # without database checks (the build stopped before the database existed) nothing is publishable
    publishable = quality is not None and not fatal and not failed_schema and refusal is None
    ran = quality is not None
    # no counts when the database checks did not run: "0 of 0 passed" would read as all clear
    failed = {e: sum(1 for c in controls if not c["geslaagd"] and c["ernst"] == e) for e in ERNSTEN} if ran else None
    deliveries = _deliveries(validation)
    return {
        "synthetisch": bool(synthetic),
        "oordeel": PUBLISHABLE if publishable else NOT_PUBLISHABLE,
        "publiceerbaar": publishable,
        "weigering": _clean(refusal),
        "samenvatting": {
            "controles": len(controls) if ran else None, "geslaagd": sum(c["geslaagd"] for c in controls) if ran else None,
            "gefaald": failed,
            "schemacontroles_gefaald": failed_schema, "databasecontroles_uitgevoerd": quality is not None,
            "leveringen": len(deliveries),
            "leveringsfouten": sum(d["fouten"] for d in deliveries),
            "leveringswaarschuwingen": sum(d["waarschuwingen"] for d in deliveries),
        },
        "fatale_controles": [{k: c[k] for k in ("controle_id", "tabel", "betekenis", "afwijkend")} for c in fatal],
        "leveringen": deliveries,
        "tabellen": tables,
    }


# --- HTML (templates/rapporten/kwaliteit.html) ---------------------------------------------------

def _columns_of(rows: list[dict]) -> list[str]:
    """Every key of the rows, in the order they first appear."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    return columns


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _failed_controls(report: dict) -> list[dict]:
    failed = [c for t in report["tabellen"] for c in t["controles"] if not c["geslaagd"]]
    return sorted(failed, key=lambda c: (_RANK.get(c["ernst"], 9), c["controle_id"]))


def to_html(report: dict) -> str:
    """The page, autoescaped: every delivered or computed text is escaped by the template engine."""
    return templating.render("kwaliteit.html", report=report, title=TITLE, not_run=NOT_RUN, ernsten=ERNSTEN,
                             columns_of=_columns_of, cell=_cell, failed_controls=_failed_controls)


# --- API -----------------------------------------------------------------------------------------

def render(validation, quality: QualityResult | None, clean_checks: dict[str, str] | None,
           synthetic: bool = False, refusal: dict | None = None) -> tuple[str, dict]:
    """The report as (HTML page, JSON-able dict).

    validation: an `eenzaamheid.validate.ValidationResult` (or None: no delivery section);
    quality: the result of `eenzaamheid.quality.run` (None when the build stopped before the
    database existed: the report then shows deliveries and clean-table checks, and is never
    'Publiceerbaar');
    clean_checks: table -> 'geslaagd' or the pandera failure text (or None);
    refusal: for a refused build, `eenzaamheid.publish.refusal.Refusal.as_dict()`: the report leads with it.
    """
    report = to_dict(validation, quality, clean_checks, synthetic, refusal)
    return to_html(report), report


from ..atomic import write_atomic as _write_atomic  # noqa: E402  (one atomic writer for all reports)


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(path_html: Path | None, path_json: Path | None, validation, quality: QualityResult | None,
          clean_checks: dict[str, str] | None = None, synthetic: bool = False, refusal: dict | None = None) -> dict:
    """Write the HTML page and/or the JSON file (atomically); returns the report dict."""
    page, report = render(validation, quality, clean_checks, synthetic, refusal)
    if path_html is not None:
        _write_atomic(path_html, page)
    if path_json is not None:
        _write_atomic(path_json, to_json(report))
    return report


REPORT_SUFFIXES = (".html", ".htm", ".json")


def write_report(path: Path, validation, quality: QualityResult | None,
                 clean_checks: dict[str, str] | None = None, synthetic: bool = False) -> dict:
    """One report file, its format chosen by the suffix (.html/.htm or .json), e.g. for --report."""
    suffix = Path(path).suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"Onbekend rapportformaat '{suffix}': gebruik .html of .json.")
    return write(None if suffix == ".json" else path, path if suffix == ".json" else None,
                 validation, quality, clean_checks, synthetic)

"""From what ran to one row of kwaliteitsresultaten per check: Great Expectations results, the
rows of a set-based family (families.py), and the terminal summary."""
from __future__ import annotations

import json
import math
from collections import Counter
from itertools import zip_longest
from typing import Iterable, Mapping

from ..privacy import redact_value as mask  # the same redaction as the published tables
from .families import COLUMNS, NOT_NULL
from .model import ERNSTEN, FATAAL, FOUT, UNEXPECTED_ROWS, WAARSCHUWING, Controle, QualityResult


def _jsonable(value):
    """Plain JSON values; strings masked (free text may carry personal data)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (bytes, str)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)


def _sort_value(v) -> tuple:
    if v is None:
        return (0, 0, "")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (1, v, "")
    return (2, 0, json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else v)


def _sorted_rows(rows: list[dict], keys: Iterable[str]) -> list[dict]:
    """Rows with their key columns first, in key order (then by the whole row): deterministic."""
    keys = list(keys)
    rows = [{**{k: r[k] for k in keys if k in r}, **{k: v for k, v in r.items() if k not in keys}} for r in rows]
    return sorted(rows, key=lambda r: [_sort_value(r.get(k)) for k in keys]
                  + [_sort_value(json.dumps(r, ensure_ascii=False, sort_keys=True))])


def _dumps(value, sort_keys: bool = True) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)


BATCH_ROWS = object()  # placeholder: the number of rows in the suite's batch


def error_result(c: Controle, message: str) -> dict:
    return {"controle_id": c.controle_id, "geslaagd": 0, "getoetst": None, "afwijkend": 1,
            "afwijkende_rijen": "[]", "waargenomen": _dumps({"fout": mask(message)})}


def expectation_result(c: Controle, r, definition, expectation) -> dict:
    info = r.exception_info or {}
    if info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception") for v in info.values()):
        messages = [info.get("exception_message")] + [v.get("exception_message") for v in info.values()
                                                     if isinstance(v, dict)]
        return error_result(c, "; ".join(sorted({m for m in messages if m})) or "onbekende fout")
    res = dict(r.result or {})
    success = bool(r.success)
    if c.expectation == UNEXPECTED_ROWS:
        count = int(res.get("observed_value") or 0)
        rows = list((res.get("details") or {}).get("unexpected_rows") or [])
        if count > len(rows):  # GE returns at most 200 rows; fetch them all
            rows = definition.get_unexpected_rows(expectation)
        rows = _sorted_rows([_jsonable(dict(row)) for row in rows], c.sleutel or (rows[0].keys() if rows else ()))
        return {"controle_id": c.controle_id, "geslaagd": int(success), "getoetst": BATCH_ROWS,
                "afwijkend": count, "afwijkende_rijen": _dumps(rows, sort_keys=False),
                "waargenomen": _dumps({"observed_value": count})}
    if "unexpected_count" in res or "element_count" in res:  # a map expectation: per row
        count = int(res.get("unexpected_count") or 0)
        rows = res.get("unexpected_index_list")
        if not isinstance(rows, list):
            rows = []
        if count and not rows:  # no keys asked for (or none available): the values themselves
            rows = [v if isinstance(v, Mapping) else {c.kolom or "waarde": v} for v in res.get("unexpected_list") or []]
        rows = _sorted_rows([_jsonable(dict(row)) for row in rows], c.sleutel)
        observed = {k: res[k] for k in ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
                    if k in res}
        if len(rows) < count:  # never hide that the list is cut short
            observed["rijen_onvolledig"] = True
        counts = res.get("partial_unexpected_counts")
        if counts:
            observed["afwijkende_waarden"] = counts
        return {"controle_id": c.controle_id, "geslaagd": int(success),
                "getoetst": int(res["element_count"]) if res.get("element_count") is not None else BATCH_ROWS,
                "afwijkend": count, "afwijkende_rijen": _dumps(rows, sort_keys=False),
                "waargenomen": _dumps(_jsonable(observed))}
    # a table-level expectation (row count, column list): one aggregate
    observed = {k: v for k, v in res.items() if k in ("observed_value", "details")}
    return {"controle_id": c.controle_id, "geslaagd": int(success), "getoetst": BATCH_ROWS,
            "afwijkend": 0 if success else 1, "afwijkende_rijen": "[]", "waargenomen": _dumps(_jsonable(observed))}




def family_result(c: Controle, rows: list[dict], scope: tuple[int, int] | None, table_rows: int | None) -> dict:
    """The result of one set-based check from its failing rows (rij objects), in the same shape as
    Great Expectations gives for the expectation the check describes."""
    count = len(rows)
    if c.expectation == COLUMNS:
        expected = list(c.parameters["column_list"])
        found = json.loads(rows[0]["kolommen"]) if rows else expected
        observed: dict = {"observed_value": found}
        if rows:  # as ExpectTableColumnsToMatchOrderedList reports it
            compared = zip_longest(range(max(len(expected), len(found))), expected, found)
            observed["details"] = {"mismatched": [{"Expected Column Position": i, "Expected": k, "Found": v}
                                                  for i, k, v in compared if k != v]}
        return {"controle_id": c.controle_id, "geslaagd": int(not rows), "getoetst": table_rows,
                "afwijkend": 0 if not rows else 1, "afwijkende_rijen": "[]", "waargenomen": _dumps(_jsonable(observed))}
    rows = _sorted_rows([_jsonable(r) for r in rows], c.sleutel or (rows[0].keys() if rows else ()))
    if c.expectation == UNEXPECTED_ROWS:
        return {"controle_id": c.controle_id, "geslaagd": int(not count), "getoetst": table_rows, "afwijkend": count,
                "afwijkende_rijen": _dumps(rows, sort_keys=False), "waargenomen": _dumps({"observed_value": count})}
    # a column map check: the counts of GE's map expectations (unexpected_percent of the non-null rows)
    element_count, nonnull = scope if scope is not None else (table_rows or 0, table_rows or 0)
    observed = {"element_count": element_count, "unexpected_count": count}
    if c.expectation == NOT_NULL:  # every row counts; GE reports no missing_count here
        observed["unexpected_percent"] = count / element_count * 100 if element_count else None
    else:
        observed["missing_count"] = element_count - nonnull
        observed["unexpected_percent"] = count / nonnull * 100 if element_count and nonnull else None
    values = [r.get(c.kolom) for r in rows]
    if values:
        try:  # the same order as GE's partial_unexpected_counts, but over every failing row
            observed["afwijkende_waarden"] = [{"value": v, "count": n} for v, n in
                                              sorted(Counter(values).most_common(), key=lambda x: (-x[1], x[0]))]
        except TypeError:
            pass
    return {"controle_id": c.controle_id, "geslaagd": int(not count), "getoetst": element_count, "afwijkend": count,
            "afwijkende_rijen": _dumps(rows, sort_keys=False), "waargenomen": _dumps(_jsonable(observed))}


def summary_text(result: QualityResult) -> str:
    """A few Dutch lines for the terminal: the verdict and every failed check (most severe first)."""
    failed = result.failures()
    counts = {e: int((failed["ernst"] == e).sum()) for e in ERNSTEN}
    lines = []
    rank = {e: i for i, e in enumerate(ERNSTEN)}
    for row in sorted(failed.to_dict("records"), key=lambda r: (rank.get(r["ernst"], 9), r["controle_id"])):
        observed, parameters = json.loads(row["waargenomen"]), json.loads(row["parameters"])
        if "fout" in observed:
            found = f"kon niet worden uitgevoerd: {observed['fout'].splitlines()[0][:200]}"
        elif row["afwijkende_rijen"] == "[]" and "observed_value" in observed:
            found = f"waargenomen {json.dumps(observed['observed_value'], ensure_ascii=False)[:200]}" + (
                f", verwacht {parameters['value']}" if "value" in parameters else "")
        else:
            found = f"{row['afwijkend']} afwijkende rij(en)"
        lines.append(f"{row['ernst']:<12} {row['controle_id']}: {found}. {row['betekenis']}")
    verdict = "Publiceerbaar" if result.publiceerbaar else "Niet publiceerbaar"
    lines.append(f"{verdict}: {len(result.controles)} controles, {counts[FATAAL]} fataal, {counts[FOUT]} fout, "
                 f"{counts[WAARSCHUWING]} waarschuwing(en) gefaald ({result.duur_s:.1f} s).")
    return "\n".join(lines)

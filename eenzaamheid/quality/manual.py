"""The data steward's own checks: checks/handmatige_controles.yml (and the published figures they
may refer to, checks/published_figures.csv). They run as written, each one Great Expectations
expectation."""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, Mapping

from .. import yamlfile

from ..tables import cleanschema
from .model import HANDMATIG_PATH, PUBLISHED_PATH, UNEXPECTED_ROWS, Controle, QualityConfigError

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _camel(name: str) -> str:
    """expect_column_values_to_be_in_set -> ExpectColumnValuesToBeInSet (class names pass unchanged)."""
    return name if "_" not in name and name[:1].isupper() else "".join(p.capitalize() for p in name.split("_"))


def published_value(filters: Mapping[str, Any], path: Path = PUBLISHED_PATH) -> tuple[float | int, list[str]]:
    """The one value the published figures give for `filters` (rows without kenmerk); and their ids."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f)
                if not r.get("kenmerk") and all(r.get(k, "") == str(v) for k, v in filters.items())]
    values = sorted({float(r["waarde"]) for r in rows})
    described = ", ".join(f"{k}={v}" for k, v in filters.items())
    if not rows:
        raise QualityConfigError(f"Geen gepubliceerd cijfer zonder kenmerk met {described} in {path.name}.")
    if len(values) > 1:
        raise QualityConfigError(f"De gepubliceerde cijfers met {described} spreken elkaar tegen ({values}); markeer de "
                                 f"afwijkende als bron_tegenstrijdig in {path.name}.")
    value = values[0]
    return (int(value) if value.is_integer() else value), sorted(r["cijfer_id"] for r in rows)


def _resolve(value, herleiding: dict, name: str):
    """Replace {gepubliceerd: {...}} by the published value (recorded in herleiding)."""
    if isinstance(value, Mapping) and set(value) == {"gepubliceerd"}:
        number, ids = published_value(value["gepubliceerd"])
        herleiding[name] = {"gepubliceerd": dict(value["gepubliceerd"]), "cijfer_ids": ids, "waarde": number}
        return number
    return value


def manual_expectations(path: Path = HANDMATIG_PATH) -> list[Controle]:
    """The steward's checks from checks/handmatige_controles.yml."""
    config = yamlfile.load(path) or {}
    out = []
    for i, entry in enumerate(config.get("controles") or []):
        where = f"{path.name}, controle {i + 1}"
        missing = [k for k in ("id", "tabel", "ernst", "betekenis") if not entry.get(k)]
        if missing:
            raise QualityConfigError(f"{where}: {', '.join(missing)} ontbreekt.")
        where = f"{path.name}, controle {entry['id']!r}"
        if bool(entry.get("sql")) == bool(entry.get("expectation")):
            raise QualityConfigError(f"{where}: geef óf sql óf expectation.")
        table, cid = entry["tabel"], f"handmatig.{entry['id']}"
        settings = entry.get("instellingen") or {}
        herleiding: dict = {}
        sleutel = tuple(entry.get("sleutel") or (cleanschema.primary_key(table) if table in cleanschema.TABLES else ()))
        if entry.get("sql"):
            if entry.get("bron"):
                raise QualityConfigError(f"{where}: sql werkt op de tabel zelf ({{batch}}); laat bron weg.")
            query = entry["sql"].strip()
            if "{batch}" not in query:
                raise QualityConfigError(f"{where}: de sql moet de tabel aanduiden met {{batch}}.")
            unknown = sorted({m for m in _PLACEHOLDER.findall(query) if m != "batch" and m not in settings})
            if unknown:
                raise QualityConfigError(f"{where}: onbekende instelling(en) {', '.join(unknown)} in de sql.")
            query = _PLACEHOLDER.sub(lambda m: m.group(0) if m.group(1) == "batch" else str(settings[m.group(1)]), query)
            expectation, parameters = UNEXPECTED_ROWS, {"unexpected_rows_query": query}
            if settings:
                herleiding["instellingen"] = dict(settings)
            suite = table
        else:
            expectation = _camel(entry["expectation"])
            parameters = {k: _resolve(v, herleiding, k) for k, v in (entry.get("parameters") or {}).items()}
            if entry.get("kolom"):
                parameters = {"column": entry["kolom"], **parameters}
            suite = f"{table}.{entry['id']}" if entry.get("bron") else table
        betekenis = _PLACEHOLDER.sub(lambda m: str(settings.get(m.group(1), m.group(0))),
                                     " ".join(str(entry["betekenis"]).split()))
        out.append(Controle(cid, suite, table, entry.get("kolom"), expectation, parameters, entry["ernst"],
                            betekenis, "handmatig", sleutel, {},
                            entry["bron"].strip() if entry.get("bron") else None, herleiding))
    return out

"""Values of a delivery: the pandera model built from the year's Table Schema (contract)."""
from __future__ import annotations

import os
import sys

import pandas as pd

from .. import contract
from ..problems import Problem, problem
from .fate import answer_headers


def pandera():
    """pandera.pandas, without importing hypothesis (~0.1 s of every `validate`) or pydantic's plugins.

    pandera's data-synthesis strategies import hypothesis when it is installed (the tests use it);
    validation never synthesizes data, and pandera treats an ImportError as "no strategies".
    Only while pandera loads its strategies, and only if nothing imported hypothesis before.
    """
    if "pandera.strategies.pandas_strategies" not in sys.modules and "hypothesis" not in sys.modules:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]  # `import hypothesis` raises ImportError
        plugins = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
        # pandera defines pydantic models as it loads; pydantic would look for plugins of its own in the
        # metadata of every installed package first (~0.05 s). Typer does the same while it parses.
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
        try:
            import pandera.pandas  # noqa: F401
            import pandera.strategies.pandas_strategies  # noqa: F401
        finally:
            del sys.modules["hypothesis"]
            if plugins is None:
                del os.environ["PYDANTIC_DISABLE_PLUGINS"]
            else:
                os.environ["PYDANTIC_DISABLE_PLUGINS"] = plugins
    import pandera.pandas as pa
    return pa


def _check_values(data: pd.DataFrame, year: int, name: str, delivered: dict[str, str]) -> list[Problem]:
    pa = pandera()
    spec = contract.load_contract(year)
    schema = contract.pandera_schema(year)
    absent = [c for c in schema.columns if c not in data.columns]
    if absent:
        schema = schema.remove_columns(absent)
    respons_id = _meta_header(spec, "respons_id")
    if respons_id in data.columns:
        # report the second and later use of an id, naming the first, like a duplicate key in a database
        schema = schema.update_column(respons_id, report_duplicates="exclude_first")
    try:
        schema.validate(data, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    labels = {f["name"]: f["constraints"]["enum"] for f in spec["fields"] if "enum" in f.get("constraints", {})}
    first_row = {}
    if respons_id in data.columns and (failures["check"] == "field_uniqueness").any():
        ids = data[respons_id].astype(object)
        first_row = dict(zip(ids[~ids.duplicated()], data.index[~ids.duplicated()]))
    problems = []
    answers = answer_headers(year)
    for column, check, value, rij in failures[["column", "check", "failure_case", "index"]].itertuples(index=False):
        kolom = delivered.get(column, column)
        if check == "not_nullable":
            problems.append(problem(name, "verplicht", f"Verplicht veld '{kolom}' is leeg. Vraag de leverancier om "
                                    "de ontbrekende waarde; zonder deze waarde kan de inzending niet worden verwerkt: tot dan "
                                    "staat de hele inzending in quarantaine (telt niet mee).",
                                    rij=rij, kolom=kolom))
        elif check == "field_uniqueness":
            if pd.isna(value):
                continue  # an empty id is reported as verplicht
            problems.append(problem(name, "respons_id_dubbel", f"Respons-ID '{value}' komt ook voor in rij "
                                    f"{first_row[value]}. "
                                    "Elke inzending hoort een eigen respons-ID te hebben; vraag de leverancier welke "
                                    "rij juist is. Tot dan staat deze rij in zijn geheel in quarantaine (telt niet mee); rij "
                                    f"{first_row[value]} telt.", rij=rij, kolom=kolom, waarde=value))
        elif str(check).startswith("isin") and column in labels:
            problems.append(_answer_problem(name, rij, kolom, value, labels[column], kolom in answers))
        else:  # a check the contract may gain later: still report it, in its own words
            then = (" Tot dan staat alleen dit antwoord in quarantaine (antwoorden_quarantaine); de rest van de "
                    "inzending telt mee." if kolom in answers else
                    " Tot dan staat de hele inzending in quarantaine (telt niet mee).")
            problems.append(problem(name, "antwoord_onbekend", f"Waarde voldoet niet aan het contract ({check}). "
                                    f"Vraag de leverancier om een correctie.{then}", rij=rij, kolom=kolom, waarde=value))
    return problems


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _answer_problem(name: str, rij: int, kolom: str, value, allowed: list[str], is_answer: bool = True) -> Problem:
    label = {_norm(a): a for a in allowed}.get(_norm(value))
    if label is not None:
        return problem(name, "antwoord_opmaak", f"'{value}' wijkt alleen in spaties of hoofdletters af van het "
                       f"toegestane antwoord; wordt bij het opschonen genormaliseerd naar '{label}'.",
                       rij=rij, kolom=kolom, waarde=value)
    options = "; ".join(f"'{a}'" for a in allowed)
    return problem(name, "antwoord_onbekend", f"'{value}' is geen toegestaan antwoord. Toegestaan: {options}. "
                   "Vraag de leverancier om een correctie; tot dan "
                   + ("staat alleen dit antwoord in quarantaine (antwoorden_quarantaine) en telt de rest van de "
                      "inzending mee." if is_answer else "staat de hele inzending in quarantaine (telt niet mee)."),
                   rij=rij, kolom=kolom, waarde=value)


def _meta_header(spec: dict, veld: str) -> str | None:
    return next((f["name"] for f in spec["fields"] if f.get("veld") == veld), None)


"""Dutch words for the parts of Datasette 0.65 that come from Python rather than templates:
filter operators, the description of a filtered table, column types. Used by our copies of
Datasette's templates (listed in eenzaamheid/site/overrides.py)."""
from __future__ import annotations

from eenzaamheid.site.getallen import getal

FILTER_OPERATORS = {
    "exact": "=", "not": "≠", "contains": "bevat", "endswith": "eindigt op", "startswith": "begint met",
    "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "like": "lijkt op (like)", "notlike": "lijkt niet op (not like)",
    "glob": "patroon (glob)", "in": "is een van", "notin": "is geen van", "arraycontains": "lijst bevat",
    "arraynotcontains": "lijst bevat niet", "date": "datum", "isnull": "is leeg (null)",
    "notnull": "is niet leeg (niet null)", "isblank": "is leeg", "notblank": "is niet leeg",
}


def rows_phrase(count) -> str:
    """1 -> '1 rij', 1234 -> '1.234 rijen'."""
    return f"{getal(count)} {'rij' if count == 1 else 'rijen'}"


def table_description(filters, search: str = "", sort: str = "", sort_desc: str = "") -> str:
    """Dutch counterpart of Datasette's human_description_en: 'waar jaar = 2024, gesorteerd op naam'."""
    parts = []
    conditions = []
    for column, lookup, value in filters.selections():
        op = FILTER_OPERATORS.get(lookup, lookup)
        no_argument = lookup in ("isnull", "notnull", "isblank", "notblank")
        conditions.append(f"{column} {op}" if no_argument else f"{column} {op} {value}")
    if search:
        conditions.append(f"met zoekterm ‘{search}’")
    if conditions:
        parts.append("waar " + " en ".join(conditions))
    if sort or sort_desc:
        parts.append(f"gesorteerd op {sort or sort_desc}" + (" (aflopend)" if sort_desc else ""))
    return ", ".join(parts)


def template_helpers() -> dict:
    """The functions our templates (and our copies of Datasette's) call, for extra_template_vars."""
    return {"getal": getal, "rijen": rows_phrase, "tabel_beschrijving": table_description,
            "filter_operatoren": FILTER_OPERATORS}

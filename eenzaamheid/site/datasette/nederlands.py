"""Dutch words for the parts of Datasette 0.65 that come from Python rather than templates:
filter operators, the description of a filtered table, facet types, the link column, file sizes.
Used by our copies of Datasette's templates (listed in eenzaamheid/site/datasette/overrides.py)."""
from __future__ import annotations

from eenzaamheid.site.getallen import getal

FILTER_OPERATORS = {
    "exact": "=", "not": "≠", "contains": "bevat", "endswith": "eindigt op", "startswith": "begint met",
    "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "like": "lijkt op (like)", "notlike": "lijkt niet op (not like)",
    "glob": "patroon (glob)", "in": "is een van", "notin": "is geen van", "arraycontains": "lijst bevat",
    "arraynotcontains": "lijst bevat niet", "date": "datum", "isnull": "is leeg (null)",
    "notnull": "is niet leeg (niet null)", "isblank": "is leeg", "notblank": "is niet leeg",
}


FACET_TYPES = {"column": "kolom", "array": "lijst", "date": "datum"}
LINK_COLUMN = "Rij"  # Datasette's first column "Link" on a table without a single primary key
_BYTE_UNITS = ("bytes", "kB", "MB", "GB", "TB")


def column_label(column: dict) -> str:
    """The header of a table page's column: its name, but Datasette's link column (to each row's
    page; cells.py, name "Link", no type, not sortable) in Dutch."""
    if column["name"] == "Link" and not column.get("type") and not column.get("sortable") and not column.get("is_pk"):
        return LINK_COLUMN
    return column["name"]


def file_size(size) -> str:
    """Bytes as a reader reads them, Dutch style and in SI steps, as its unit says (kB = 1,000 bytes;
    Datasette's format_bytes divided by 1024 and wrote 'KB'): 372300 -> '372,3 kB'. Every size the
    site shows comes from here."""
    current = float(size)
    unit = _BYTE_UNITS[0]
    for unit in _BYTE_UNITS:
        if current < 1000 or unit == _BYTE_UNITS[-1]:
            break
        current /= 1000
    if unit == "bytes":
        return f"{int(current)} bytes"
    return f"{getal(current, decimals=1)} {unit}"


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
    """The functions our templates (and our copies of Datasette's) call, for extra_template_vars:
    also Datasette's own format_bytes replaced by the Dutch file_size, the hashed URLs of our
    static files (assets.py) and the Excel download of a table (excel_csv.py)."""
    from eenzaamheid.site.datasette.assets import static_url
    from eenzaamheid.site.datasette.excel_csv import excel_csv_url

    return {"getal": getal, "rijen": rows_phrase, "tabel_beschrijving": table_description,
            "filter_operatoren": FILTER_OPERATORS, "facet_soorten": FACET_TYPES, "kolomnaam": column_label,
            "format_bytes": file_size, "statisch": static_url, "excel_csv_url": excel_csv_url}

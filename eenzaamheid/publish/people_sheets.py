"""Spreadsheets for people: the answers in words (spreadsheets/ in the publication).

The machine-readable exports (csv/, json/, parquet/, xlsx/antwoorden_breed.xlsx) carry codes and one
empty cell for every kind of missing answer: right for programs, unreadable for a person who wants
"what did my municipality answer in 2024". Here (tables from publish/people_table.py):

- spreadsheets/antwoorden_<jaar>.xlsx: the sheets "Lees mij" (synthetic-data notice, what the file
  holds, the markers for empty answers, the source: dataset, publisher, licence, version, date,
  address), "Antwoorden <jaar>" (an Excel table with filters, header row and municipality column
  frozen) and "Kolommen" (header -> vraag_id, item_code, topic, that year's wording, answers);
- spreadsheets/antwoorden_<jaar>.csv: the same table for Dutch Excel (";", UTF-8 with BOM, CRLF,
  decimal comma), which opens it in columns without an import wizard;
- spreadsheets/antwoorden_alle_jaren.xlsx: "Lees mij", "Alle jaren" (one row per municipality and
  year, one column per question of any year, "niet gevraagd" where that year did not ask it) and
  "Kolommen" (per year: header -> codes and that year's wording).

One file per year because the reader who wants 2024 gets 2024 only, in 2024's wording and with 2024's
questions; the all-years file is one table, so one filter on a municipality shows all its years.

Every text comes from the codebook, the clean schemas and metadata.yml; the bytes are reproducible
(spreadsheet._reproducible: fixed document dates and zip timestamps).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .. import codebook as cb
from .. import years as survey_years
from . import release
from . import spreadsheet
from ..tables import cleanschema
from . import people_table

FOLDER = "spreadsheets"
ALL_YEARS = "antwoorden_alle_jaren"
SHEET_README, SHEET_COLUMNS, SHEET_ALL_YEARS = "Lees mij", "Kolommen", "Alle jaren"


def file_stem(year) -> str:
    return f"antwoorden_{year}"


def sheet_name(year: int | None) -> str:
    return SHEET_ALL_YEARS if year is None else f"Antwoorden {year}"


def file_names(book: cb.Codebook | None = None) -> list[str]:
    """The published files, relative to the publication folder (for the package and the catalogue)."""
    years = sorted((book or cb.load()).years, reverse=True)
    return ([f"{FOLDER}/{file_stem(y)}.xlsx" for y in years] + [f"{FOLDER}/{ALL_YEARS}.xlsx"]
            + [f"{FOLDER}/{file_stem(y)}.csv" for y in years])


def _year_of(relative: str) -> int | None:
    stem = Path(relative).stem
    return None if stem == ALL_YEARS else int(stem.rsplit("_", 1)[-1])


def describe(relative: str, title: str) -> tuple[str, str]:
    """(title, description) of a published file, for datapackage.json and the DCAT record."""
    year = _year_of(relative)
    if relative.endswith(".csv"):
        return (f"{title}: antwoorden van {year} in woorden (CSV voor Nederlandse Excel)",
                "Eén rij per meegetelde gemeente, één kolom per vraag met de formulering als kop en het "
                "antwoord in woorden; puntkomma als scheidingsteken, UTF-8 met BOM.")
    what = "alle jaren in één tabel" if year is None else f"het jaar {year}"
    return (f"{title}: antwoorden in woorden, {what} (Excel)",
            "Spreadsheet voor mensen: blad Lees mij (bron, versie, betekenis van lege antwoorden), de "
            "antwoorden per gemeente met de formulering van de vraag als kop en het antwoord in woorden, "
            "en blad Kolommen met de codes achter elke kolom.")


def _schema(book: cb.Codebook, year: int | None) -> dict:
    """The Table Schema of a table: text cells (the year a number); each answer column names its codes."""
    fixed = {f["name"]: f for f in cleanschema.load("antwoorden_breed")["fields"]}
    names = [n for n in people_table.FIXED_FIELDS if year is None or n != "jaar"]
    fields = [{"name": header, "type": "integer" if name == "jaar" else "string",
               "description": " ".join(fixed[name].get("description", "").split())}
              for name, header in zip(names, people_table.fixed_headers(year is None))]
    fields += [{"name": c.header, "type": "string",
                "description": f"vraag_id {c.vraag_id}" + (f", item_code {c.item_code}" if c.item_code else "")}
               for c in people_table.year_columns(book, year)]
    return {"fields": fields, "missingValues": []}


def resources(title: str, book: cb.Codebook | None = None) -> list[dict]:
    """datapackage.json resources of the CSV files. The workbooks hold the same tables for people and
    are published beside them (in the zip and the DCAT record) but not as package resources: a
    tabular resource per workbook doubled the package's size and `frictionless validate`'s time
    (it reads every sheet through openpyxl: 2.6 -> 4.2 s) for no table a program lacks."""
    book = book or cb.load()
    out = []
    for relative in (name for name in file_names(book) if name.endswith(".csv")):
        stem, year = Path(relative).stem, _year_of(relative)
        name_title, description = describe(relative, title)
        resource = {"name": f"{stem}_csv", "path": relative, "profile": "tabular-data-resource",
                    "title": name_title, "description": description, "format": "csv", "mediatype": "text/csv",
                    "encoding": "utf-8-sig",
                    # doubleQuote as csv.writer writes it; the Data Package 1.0 profile requires the key
                    "dialect": {"delimiter": ";", "doubleQuote": True}}
        resource["schema"] = _schema(book, year)
        out.append(resource)
    return out


def _titles(table: str) -> dict[str, str]:
    return {f["name"]: f.get("title") or f["name"] for f in cleanschema.load(table)["fields"]}


def _column_rows(book: cb.Codebook, table: people_table.Table) -> list[list]:
    """Kolommen: per column (the all-years table: per year and column) its codes and wording."""
    kinds = {t["type"]: t["label"].split(":")[0] for t in book.data.get("typen", [])}

    def row(c, header):
        return [header, c.vraag_id, c.item_code, c.onderwerp, c.formulering, c.item_label, kinds.get(c.type, c.type),
                c.opties]
    if table.year is not None:
        return [row(c, c.header) for c in table.columns]
    union = {(c.vraag_id, c.item_code): c.header for c in table.columns}
    return [[y, *row(c, union[(c.vraag_id, c.item_code)])]
            for y in sorted(book.years, reverse=True) for c in people_table.year_columns(book, y)]


def _column_headers(all_years: bool) -> list[str]:
    versions, options, questions = _titles("vraagversies"), _titles("antwoordopties"), _titles("vragen")
    return ([versions["jaar"]] if all_years else []) + [
        "Kolom", "vraag_id", "item_code", questions["onderwerp"], versions["formulering"],
        options["item_label"], questions["type"], "Mogelijke antwoorden"]


def _readme_rows(package: dict, table: people_table.Table, notice: str | None) -> list[tuple[str, str]]:
    """(label, text) lines of the sheet "Lees mij"."""
    meta = release.metadata()
    if table.year is None:
        years = [r[3] for r in table.rows]
        span = survey_years.span(years)
        counts = "; ".join(f"{y}: {years.count(y)}" for y in sorted(set(years), reverse=True))
        rows_are = f"Eén rij per gemeente per jaar waarin haar inzending meetelt (gemeenten per jaar: {counts})"
        headed = ("de kolomkop is de formulering van de vraag in het laatste jaar waarin zij gesteld werd; de "
                  "formulering van elk jaar staat op het blad Kolommen")
    else:
        span = str(table.year)
        rows_are = f"Eén rij per gemeente waarvan de inzending van {span} meetelt ({len(table.rows)} gemeenten)"
        headed = "de kolomkop is de formulering van de vraag in dat jaar"
    rows = [(f"{package['title']}: alle antwoorden van {span}", "")]
    if notice:
        rows.append(("LET OP", notice))
    rows += [
        ("Inhoud", f"{rows_are}, met de gemeentenaam, de CBS-code en de provincie vooraan. Eén kolom per vraag, of "
                   f"per onderdeel van een vraag; {headed} (of het onderwerp, als het rapport de formulering niet "
                   "publiceerde). In de cellen staat het antwoord in woorden. Filteren en sorteren kan met de "
                   "pijltjes in de kopregel."),
        ("Bladen", f"{SHEET_README}, {sheet_name(table.year)}, {SHEET_COLUMNS}. Het blad {SHEET_COLUMNS} geeft per "
                   "kolom de codes (vraag_id, item_code), het onderwerp, de formulering en de mogelijke antwoorden."),
        ("Lege antwoorden", "Een leeg antwoord is nooit een lege cel, maar een van deze woorden:"),
        *people_table.MARKERS,
        ("Bron", ""),
        ("Dataset", package["title"]),
        ("Uitgever", meta["catalogus"]["uitgever"]["naam"]),
        ("Licentie", "; ".join(f"{lic['name']}: {' '.join(lic.get('title', '').split())}"
                               for lic in package.get("licenses", []))),
        ("Versie", package.get("version", "")),
        ("Datum van deze versie", release.dutch_date(package["created"]) if package.get("created") else ""),
        # no address while the site's is a placeholder (publish/release.py): the site shows the citation with it
        *([("Adres", package["homepage"])] if package.get("homepage") else []),
        ("Citeren", package.get("citation", "")),
        ("Voor programma's", "Dezelfde antwoorden met codes (tabel antwoorden_breed en alle andere tabellen, als "
                             "CSV, JSON, Parquet en datapakket) staan op de downloadpagina van de site."),
    ]
    return rows


def _write_readme(book, formats, rows) -> None:
    sheet = book.add_worksheet(SHEET_README)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 110, formats["wrap"])
    for r, (label, text) in enumerate(rows):
        if r == 0:
            sheet.write_string(r, 0, label, formats["title"])
            continue
        sheet.write_string(r, 0, label, formats["bold"])
        sheet.write_string(r, 1, text, formats["notice"] if label == "LET OP" else formats["wrap"])


def _write_table(book, formats, name: str, headers: list[str], rows: list[list], widths: list[int],
                 freeze_columns: int) -> None:
    sheet = book.add_worksheet(name)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width, formats["wrap"])
    for r, row in enumerate(rows, 1):  # (faster than the table's `data` option, which formats each cell)
        sheet.write_row(r, 0, row)
    sheet.add_table(0, 0, max(len(rows), 1), len(headers) - 1, {
        "name": name.replace(" ", "_"), "style": "Table Style Light 9",
        "columns": [{"header": h, "header_format": formats["header"]} for h in headers]})
    sheet.freeze_panes(1, freeze_columns)


def workbook_bytes(table: people_table.Table, package: dict, notice: str | None) -> bytes:
    """Lees mij, the table, Kolommen."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    book.set_properties({"title": package["title"], "author": release.metadata()["catalogus"]["uitgever"]["naam"]})
    formats = {"bold": book.add_format({"bold": True, "valign": "top"}),
               "title": book.add_format({"bold": True, "font_size": 14}),
               "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
               "notice": book.add_format({"text_wrap": True, "valign": "top", "bold": True, "font_color": "#9c0006"}),
               "header": book.add_format({"bold": True, "text_wrap": True, "valign": "top"})}
    _write_readme(book, formats, _readme_rows(package, table, notice))
    all_years = table.year is None
    fixed_widths = [24, 12, 15, *([7] if all_years else []), 11]
    _write_table(book, formats, sheet_name(table.year), table.headers, table.rows,
                 fixed_widths + [30] * len(table.columns), freeze_columns=1)
    _write_table(book, formats, SHEET_COLUMNS, _column_headers(all_years), _column_rows(cb.load(), table),
                 ([6] if all_years else []) + [50, 22, 22, 40, 50, 30, 18, 40], freeze_columns=0)
    book.close()
    return spreadsheet._reproducible(buffer.getvalue())


def _dutch_cell(value):
    """Numbers with a decimal comma (Dutch Excel reads 0.5 as text or a date); text as it is."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def csv_bytes(table: people_table.Table) -> bytes:
    """The table for Dutch Excel: ';', UTF-8 with BOM, CRLF; formula-like text neutralised."""
    from .export import _neutralised

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.headers)
    writer.writerows([_neutralised(_dutch_cell(v)) for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def write_all(frames: dict, out_dir: Path, package: dict, notice: str | None, write_atomic) -> None:
    """Write every file of file_names() into out_dir (the staged publication)."""
    folder = Path(out_dir) / FOLDER
    for t in people_table.tables(frames):
        data = workbook_bytes(t, package, notice)
        if t.year is None:
            write_atomic(folder / f"{ALL_YEARS}.xlsx", lambda f, data=data: f.write(data))
            continue
        text = csv_bytes(t)
        write_atomic(folder / f"{file_stem(t.year)}.xlsx", lambda f, data=data: f.write(data))
        write_atomic(folder / f"{file_stem(t.year)}.csv", lambda f, text=text: f.write(text))

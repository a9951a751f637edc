"""Spreadsheets for people: the answers per survey year in words (spreadsheets/ in the publication).

The machine-readable exports (csv/, json/, parquet/, xlsx/antwoorden_breed.xlsx) carry codes and one
empty cell for every kind of missing answer: right for programs, unreadable for a person who wants
"what did my municipality answer in 2024". Here, per year (tables from pipeline/people_table.py):

- spreadsheets/antwoorden_<jaar>.xlsx: the sheets "Lees mij" (synthetic-data notice, what the file
  holds, the markers for empty answers, the source: dataset, publisher, licence, version, date,
  address), "Antwoorden <jaar>" (an Excel table with filters, header row and municipality column
  frozen) and "Kolommen" (header -> vraag_id, item_code, topic, that year's wording, answers);
- spreadsheets/antwoorden_<jaar>.csv: the same table for Dutch Excel (";", UTF-8 with BOM, CRLF,
  decimal comma), which opens it in columns without an import wizard;
- spreadsheets/antwoorden_alle_jaren.xlsx: "Lees mij", one sheet per year (newest first), "Kolommen".

One file per year because the reader who wants 2024 should get 2024 only, in 2024's wording (the
wording and the questions change per year, so one sheet over all years would need columns that are
empty for most years); the all-years workbook keeps that layout with one sheet per year.

Every text comes from the codebook, the clean schemas and metadata.yml; the bytes are reproducible
(spreadsheet._reproducible: fixed document dates and zip timestamps).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .. import codebook as cb
from ..catalog import release
from . import cleanschema, people_table, spreadsheet

FOLDER = "spreadsheets"
ALL_YEARS = "antwoorden_alle_jaren"
SHEET_README, SHEET_COLUMNS = "Lees mij", "Kolommen"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_stem(year: int) -> str:
    return f"antwoorden_{year}"


def sheet_name(year: int) -> str:
    return f"Antwoorden {year}"


def file_names(book: cb.Codebook | None = None) -> list[str]:
    """The published files, relative to the publication folder (for the package and the catalogue)."""
    book = book or cb.load()
    years = sorted(book.years, reverse=True)
    return ([f"{FOLDER}/{file_stem(y)}.xlsx" for y in years] + [f"{FOLDER}/{ALL_YEARS}.xlsx"]
            + [f"{FOLDER}/{file_stem(y)}.csv" for y in years])


def describe(relative: str, title: str) -> tuple[str, str]:
    """(title, description) of a published file, for datapackage.json and the DCAT record."""
    stem, ext = Path(relative).stem, Path(relative).suffix
    what = "alle jaren, elk jaar een blad" if stem == ALL_YEARS else f"het jaar {stem.rsplit('_', 1)[-1]}"
    if ext == ".csv":
        return (f"{title}: antwoorden van {stem.rsplit('_', 1)[-1]} in woorden (CSV voor Nederlandse Excel)",
                "Eén rij per meegetelde gemeente, één kolom per vraag met de formulering als kop en het "
                "antwoord in woorden; puntkomma als scheidingsteken, UTF-8 met BOM.")
    return (f"{title}: antwoorden in woorden, {what} (Excel)",
            "Spreadsheet voor mensen: blad Lees mij (bron, versie, betekenis van lege antwoorden), de "
            "antwoorden per gemeente met de formulering van de vraag als kop en het antwoord in woorden, "
            "en blad Kolommen met de codes achter elke kolom.")


def _schema(book: cb.Codebook, year: int) -> dict:
    """The Table Schema of a year's table: every cell is text; each answer column names its codes."""
    fixed = {f["name"]: f for f in cleanschema.load("antwoorden_breed")["fields"]}
    fields = [{"name": header, "type": "string", "description": " ".join(fixed[name].get("description", "").split())}
              for name, header in zip(people_table.FIXED_FIELDS, people_table.fixed_headers())]
    fields += [{"name": c.header, "type": "string",
                "description": f"vraag_id {c.vraag_id}" + (f", item_code {c.item_code}" if c.item_code else "")}
               for c in people_table.year_columns(book, year)]
    return {"fields": fields, "missingValues": []}


def resources(title: str, book: cb.Codebook | None = None) -> list[dict]:
    """datapackage.json resources of the files: a per-year workbook's table sheet, the per-year CSV,
    and each year sheet of the all-years workbook (a resource is one table)."""
    book = book or cb.load()
    out = []
    for relative in file_names(book):
        stem, ext = Path(relative).stem, Path(relative).suffix[1:]
        years = sorted(book.years, reverse=True) if stem == ALL_YEARS else [int(stem.rsplit("_", 1)[-1])]
        name_title, description = describe(relative, title)
        for year in years:
            resource = {"name": f"{stem}_{year}" if stem == ALL_YEARS else f"{stem}_{'excel' if ext == 'xlsx' else ext}",
                        "path": relative, "profile": "tabular-data-resource",
                        "title": name_title + (f", blad {sheet_name(year)}" if stem == ALL_YEARS else ""),
                        "description": description, "format": ext}
            if ext == "csv":
                resource.update({"mediatype": "text/csv", "encoding": "utf-8-sig", "dialect": {"delimiter": ";"}})
            else:
                resource.update({"mediatype": XLSX_MEDIA_TYPE, "dialect": {"excel": {"sheet": sheet_name(year)}}})
            resource["schema"] = _schema(book, year)
            out.append(resource)
    return out


def _titles(table: str) -> dict[str, str]:
    return {f["name"]: f.get("title") or f["name"] for f in cleanschema.load(table)["fields"]}


def _column_rows(book: cb.Codebook, table: people_table.YearTable, with_year: bool) -> list[list]:
    kinds = {t["type"]: t["label"].split(":")[0] for t in book.data.get("typen", [])}
    return [([table.year] if with_year else []) + [c.header, c.vraag_id, c.item_code, c.onderwerp, c.formulering,
                                                   c.item_label, kinds.get(c.type, c.type), c.opties]
            for c in table.columns]


def _column_headers(with_year: bool) -> list[str]:
    versions, options, questions = _titles("vraagversies"), _titles("antwoordopties"), _titles("vragen")
    return ([versions["jaar"]] if with_year else []) + [
        "Kolom", "vraag_id", "item_code", questions["onderwerp"], versions["formulering"],
        options["item_label"], questions["type"], "Mogelijke antwoorden"]


def _readme_rows(package: dict, tables: list, notice: str | None) -> list[tuple[str, str]]:
    """(label, text) lines of the sheet "Lees mij"; a label "" starts no new item."""
    meta = release.metadata()
    years = [t.year for t in tables]
    span = str(years[0]) if len(years) == 1 else f"{min(years)}–{max(years)}"
    counts = "; ".join(f"{t.year}: {len(t.rows)} gemeenten" for t in tables)
    sheets = ", ".join([SHEET_README, *(sheet_name(t.year) for t in tables), SHEET_COLUMNS])
    rows = [(f"{package['title']}: alle antwoorden van {span}", "")]
    if notice:
        rows.append(("LET OP", notice))
    rows += [
        ("Inhoud", f"Eén rij per gemeente waarvan de inzending meetelt ({counts}), met de gemeentenaam, de "
                   "CBS-code en de provincie vooraan. Eén kolom per vraag uit de vragenlijst van dat jaar, of per "
                   "onderdeel van een vraag; de kolomkop is de formulering van de vraag in dat jaar (of het "
                   "onderwerp, als het rapport de formulering niet publiceerde). In de cellen staat het antwoord "
                   "in woorden. Filteren en sorteren kan met de pijltjes in de kopregel."),
        ("Bladen", f"{sheets}. Het blad {SHEET_COLUMNS} geeft per kolom de codes (vraag_id, item_code), het "
                   "onderwerp, de formulering van dat jaar en de mogelijke antwoorden."),
        ("Lege antwoorden", "Een leeg antwoord is nooit een lege cel, maar een van deze woorden:"),
        *people_table.MARKERS,
        ("Bron", ""),
        ("Dataset", package["title"]),
        ("Uitgever", meta["catalogus"]["uitgever"]["naam"]),
        ("Licentie", "; ".join(f"{lic['name']}: {' '.join(lic.get('title', '').split())}"
                               for lic in package.get("licenses", []))),
        ("Versie", package.get("version", "")),
        ("Datum van deze versie", release.dutch_date(package["created"]) if package.get("created") else ""),
        ("Adres", package.get("homepage", "")),
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
    sheet.add_table(0, 0, max(len(rows), 1), len(headers) - 1, {
        "name": name.replace(" ", "_"), "style": "Table Style Light 9", "data": rows,
        "columns": [{"header": h, "header_format": formats["header"]} for h in headers]})
    sheet.freeze_panes(1, freeze_columns)


def workbook_bytes(tables: list, package: dict, notice: str | None) -> bytes:
    """Lees mij, one sheet per table (in the given order), Kolommen."""
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
    _write_readme(book, formats, _readme_rows(package, tables, notice))
    for t in tables:
        fixed = len(people_table.FIXED_FIELDS)
        _write_table(book, formats, sheet_name(t.year), t.headers, t.rows,
                     [24, 12, 15, 11][:fixed] + [30] * len(t.columns), freeze_columns=1)
    source = cb.load()
    with_year = len(tables) > 1
    _write_table(book, formats, SHEET_COLUMNS, _column_headers(with_year),
                 [row for t in tables for row in _column_rows(source, t, with_year)],
                 ([6] if with_year else []) + [50, 22, 22, 40, 50, 30, 18, 40], freeze_columns=0)
    book.close()
    return spreadsheet._reproducible(buffer.getvalue())


def _dutch_cell(value):
    """Numbers with a decimal comma (Dutch Excel reads 0.5 as text or a date); text as it is."""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return value


def csv_bytes(table: people_table.YearTable) -> bytes:
    """The year's table for Dutch Excel: ';', UTF-8 with BOM, CRLF; formula-like text neutralised."""
    from .export import _neutralised

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.headers)
    writer.writerows([_neutralised(_dutch_cell(v)) for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def write_all(frames: dict, out_dir: Path, package: dict, notice: str | None, write_atomic) -> None:
    """Write every file of file_names() into out_dir (the staged publication)."""
    book = cb.load()
    tables = [people_table.year_table(frames, y, book) for y in sorted(book.years, reverse=True)]
    folder = Path(out_dir) / FOLDER
    for t in tables:
        data = workbook_bytes([t], package, notice)
        write_atomic(folder / f"{file_stem(t.year)}.xlsx", lambda f, data=data: f.write(data))
        text = csv_bytes(t)
        write_atomic(folder / f"{file_stem(t.year)}.csv", lambda f, text=text: f.write(text))
    data = workbook_bytes(tables, package, notice)
    write_atomic(folder / f"{ALL_YEARS}.xlsx", lambda f: f.write(data))

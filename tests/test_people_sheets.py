"""The spreadsheets for people (spreadsheets/ of the demo build, publish/people_sheets.py), read as a
reader's program reads them (pandas, openpyxl) and checked against the database: every cell of every
year, derived here from the tables antwoorden, antwoorden_quarantaine, toelichtingen, inzendingen,
vraagversies, vragen, antwoordopties and optielabels_per_jaar (the option groups of the skip logic from the codebook)."""
from __future__ import annotations

import collections
import json
import re
import sqlite3
import zipfile

import openpyxl
import pandas as pd
import pytest
import yaml

from eenzaamheid import codebook
from eenzaamheid.paths import ROOT
from eenzaamheid.site.hardening import security

MARKERS = ("niet gevraagd", "niet beantwoord", "telt niet mee")


@pytest.fixture(scope="module")
def out(demo_build):
    assert demo_build.returncode == 0, demo_build.stderr[-3000:]
    return demo_build.out


@pytest.fixture(scope="module")
def db(out):
    conn = sqlite3.connect(f"file:{out / 'benchmark.db'}?mode=ro", uri=True)
    yield conn
    conn.close()


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def _expected_columns(db, year: int) -> dict[str, tuple[str, str]]:
    """header -> (vraag_id, item_code) of every question and item asked in `year`, from vraagversies."""
    topics = dict(db.execute("select vraag_id, onderwerp from vragen"))
    item_labels = {(q, i): label for q, i, label in db.execute(
        "select distinct vraag_id, item_code, item_label from antwoordopties where item_code != ''")}
    out = {}
    for vraag_id, wording, raw in db.execute(
            "select vraag_id, formulering, ruwe_kolommen from vraagversies where jaar = ?", (year,)):
        shown = _one_line(wording) or _one_line(topics[vraag_id])
        for item in json.loads(raw):
            out[f"{shown} – {_one_line(item_labels[(vraag_id, item)])}" if item else shown] = (vraag_id, item)
    return out


class _Expected:
    """What each cell of a year's sheet must say, derived from the database."""

    def __init__(self, db, year: int):
        self.types = dict(db.execute("select vraag_id, type from vragen"))
        self.chosen = {(s, q, i): code for s, q, i, code in db.execute(
            "select inzending_id, vraag_id, item_code, optie_code from antwoorden where jaar = ?", (year,))}
        self.answered = {(s, q) for s, q, _ in self.chosen}
        self.held = set(db.execute("select inzending_id, vraag_id, coalesce(item_code, '') from antwoorden_quarantaine "
                                   "where jaar = ?", (year,)))
        self.texts = dict(((s, q), t) for s, q, t in db.execute(
            "select inzending_id, vraag_id, tekst from toelichtingen where jaar = ? and telt_mee = 1", (year,)))
        self.labels = {(q, i, o): label for q, i, o, label in db.execute(  # the option's wording that year
            "select vraag_id, item_code, optie_code, label from optielabels_per_jaar where jaar = ?", (year,))}
        groups = {(q["vraag_id"], g["groep_code"]): g["opties"]
                  for q in codebook.load().data["vragen"]
                  for g in q.get("optiegroepen", [])}
        self.conditions = {}
        for vraag_id, condition in db.execute("select vraag_id, alleen_als from vragen where alleen_als is not null "
                                              "and alleen_als != ''"):
            c = json.loads(condition)
            self.conditions[vraag_id] = (c["vraag_id"], c.get("opties") or groups.get((c["vraag_id"], c["groep"]),
                                                                                       [c["groep"]]))

    def cell(self, sub: str, vraag_id: str, item: str) -> str:
        key = (sub, vraag_id, item)
        kind = self.types[vraag_id]
        if key in self.held:
            return "telt niet mee"
        if kind == "open" and (sub, vraag_id) in self.texts:
            return self.texts[(sub, vraag_id)]
        if kind == "meervoudig":
            if self.chosen.get(key) == "gekozen":
                return "aangevinkt"
            if (sub, vraag_id) in self.answered:
                return "niet aangevinkt"
        elif key in self.chosen:
            return self.labels[(vraag_id, item, self.chosen[key])]
        if vraag_id in self.conditions:
            deciding, codes = self.conditions[vraag_id]
            held = any(h[:2] == (sub, deciding) for h in self.held)
            if self.chosen.get((sub, deciding, "")) not in codes and not held:
                return "niet gevraagd"
        return "niet beantwoord"


def _years(db) -> list[int]:
    return [y for (y,) in db.execute("select jaar from jaargangen order by jaar desc")]


def _read(path, sheet) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def year_sheets(out, db) -> dict[int, dict[str, pd.DataFrame]]:
    """Per year the sheets "Antwoorden <jaar>" and "Kolommen" of its workbook, read once."""
    return {y: _read(out / "spreadsheets" / f"antwoorden_{y}.xlsx", [f"Antwoorden {y}", "Kolommen"])
            for y in _years(db)}


def test_every_cell_of_every_year_says_what_the_database_says(out, db, year_sheets):
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    wide = next(r for r in package["resources"] if r["name"] == "antwoorden_breed")["schema"]["fields"]
    title = {f["name"]: f["title"] for f in wide}
    fixed = [title["gemeente"], title["gemeente_code"], title["provincie"], title["synthetisch"]]
    seen = collections.Counter()
    for year in _years(db):
        sheet, columns = year_sheets[year][f"Antwoorden {year}"], year_sheets[year]["Kolommen"]
        expected_columns = _expected_columns(db, year)
        # the header is the wording of that year; Kolommen maps it to the codes
        assert list(sheet.columns[:4]) == fixed
        assert set(sheet.columns[4:]) == set(expected_columns) and len(sheet.columns) == 4 + len(expected_columns)
        assert {h: (q, i) for h, q, i in zip(columns["Kolom"], columns["vraag_id"], columns["item_code"])} \
            == expected_columns
        subs = db.execute("select i.inzending_id, i.gemeente_code, g.naam, g.provincie, i.synthetisch "
                          "from inzendingen i join gemeenten g using (gemeente_code) "
                          "where i.jaar = ? and i.status = 'geaccepteerd'", (year,)).fetchall()
        assert len(sheet) == len(subs) and sheet[fixed[1]].is_unique  # one row per counted submission
        rows = {row[fixed[1]]: row for row in sheet.to_dict("records")}
        expect = _Expected(db, year)
        for sub, code, name, province, synthetic in subs:
            want = {fixed[0]: name, fixed[1]: code, fixed[2]: province, fixed[3]: "ja" if synthetic else "nee",
                    **{h: expect.cell(sub, q, i) for h, (q, i) in expected_columns.items()}}
            assert rows[code] == want, (year, code)
            seen.update(v for v in want.values() if v in MARKERS)
    assert all(seen[m] > 0 for m in MARKERS), seen  # the demo has each case: the check can fail


def test_workbook_has_readme_first_a_filtered_table_and_a_frozen_header(out, db):
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    notice = _one_line(yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
                       ["datapackage"]["synthetisch_melding"])
    years = _years(db)
    for name, sheet_name in ((f"antwoorden_{years[0]}", f"Antwoorden {years[0]}"),
                             (f"antwoorden_{years[-1]}", f"Antwoorden {years[-1]}"),
                             ("antwoorden_alle_jaren", "Alle jaren")):
        path = out / "spreadsheets" / f"{name}.xlsx"
        lazy = openpyxl.load_workbook(path, read_only=True)  # reads a sheet only when asked
        assert lazy.sheetnames == ["Lees mij", sheet_name, "Kolommen"]
        readme = "\n".join(" ".join(str(c) for c in row if c) for row in lazy["Lees mij"].iter_rows(values_only=True))
        lazy.close()
        # the address only once the site has a real one (publish/release.py); the citation always
        assert bool(re.search(r"^Adres ", readme, re.M)) == ("homepage" in package)
        for fact in (notice, package["title"], package["version"], package["citation"], package.get("homepage", ""),
                     "CC0-1.0", *MARKERS):
            assert fact in readme, (name, fact)
        if name.endswith("alle_jaren"):  # written by the same code as the year tables; the slow one to load
            continue
        sheet = openpyxl.load_workbook(path)[sheet_name]
        assert sheet.freeze_panes == "B2"  # header row and the municipality's name stay in view
        (table,) = sheet.tables.values()
        assert table.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        assert [c.name for c in table.tableColumns] == [c.value for c in sheet[1]]


def test_dutch_excel_csv_is_the_same_table(out, year_sheets):
    for year, sheets in year_sheets.items():
        raw = (out / "spreadsheets" / f"antwoorden_{year}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.split(b"\r\n", 1)[0]
        csv = pd.read_csv(out / "spreadsheets" / f"antwoorden_{year}.csv", sep=";", encoding="utf-8-sig",
                          dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(csv, sheets[f"Antwoorden {year}"])


def test_all_years_table_is_every_year_under_its_latest_wording(out, db, year_sheets):
    """Each year's rows hold that year's cells under the header of the latest year that asked the
    question, and "niet gevraagd" under every question that year did not ask."""
    sheets = _read(out / "spreadsheets" / "antwoorden_alle_jaren.xlsx", None)
    assert list(sheets) == ["Lees mij", "Alle jaren", "Kolommen"]
    table, columns = sheets["Alle jaren"], sheets["Kolommen"]
    years = list(year_sheets)
    latest = {}  # (vraag_id, item_code) -> header in the newest year that asked it
    for year in years:
        for header, key in _expected_columns(db, year).items():
            latest.setdefault(key, header)
    assert set(table.columns[5:]) == set(latest.values())
    assert {(q, i): h for h, q, i in zip(columns["Kolom"], columns["vraag_id"], columns["item_code"])} == latest
    code, year_title = table.columns[1], table.columns[3]
    assert len(table) == sum(len(s[f"Antwoorden {y}"]) for y, s in year_sheets.items())
    for year in years:
        sheet = year_sheets[year][f"Antwoorden {year}"]
        asked = {h: latest[key] for h, key in _expected_columns(db, year).items()}
        mine = table[table[year_title] == str(year)].set_index(code).sort_index()
        theirs = sheet.rename(columns=asked).set_index(code).sort_index()
        assert mine[list(asked.values())].equals(theirs[list(asked.values())]), year
        not_asked = sorted(set(latest.values()) - set(asked.values()))
        assert (mine[not_asked] == "niet gevraagd").all().all(), year


def test_files_are_published_registered_and_committed(out):
    files = sorted(p.relative_to(out).as_posix() for p in (out / "spreadsheets").iterdir())
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    # the CSV files are package resources; the workbooks (the same tables) only in the zip and the DCAT record
    assert {r["path"] for r in package["resources"] if r["path"].startswith("spreadsheets/")} == \
        {f for f in files if f.endswith(".csv")}
    assert any(f.endswith(".xlsx") for f in files)
    dcat = (out / "dcat.ttl").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "benchmark-eenzaamheid.zip") as z:
        for name in files:
            assert f"/bestanden/{name}>" in dcat, name
            assert z.read(name) == (out / name).read_bytes(), name
    # reproducible: the committed files are the bytes a fresh build writes
    assert all(security.is_published_download(name) for name in files)  # served under /bestanden/
    committed = sorted(p.relative_to(ROOT / "clean").as_posix() for p in (ROOT / "clean" / "spreadsheets").iterdir())
    assert committed == files
    stale = [n for n in files if (ROOT / "clean" / n).read_bytes() != (out / n).read_bytes()]
    assert not stale, f"run `eenzaamheid build --allow-quarantine` and commit clean/spreadsheets: {stale}"


def test_a_reworded_option_is_worded_as_in_each_rows_year(db):
    """A codebook in which the last year rewords one option (a version's `optielabels`): that year's table
    and the last year's rows of the all-years table give the new words, the earlier years' rows the words of
    their year (optielabels_per_jaar), all from the real demo answers."""
    import copy

    from eenzaamheid import codebook as cb
    from eenzaamheid.publish import people_table

    last = max(_years(db))
    vraag_id, optie_code = db.execute(
        "select a.vraag_id, a.optie_code from antwoorden a join vragen v using (vraag_id) "
        "where v.type not in ('meervoudig', 'open') and a.item_code = '' group by 1, 2 "
        "having max(a.jaar) = ? and min(a.jaar) < ? order by count(*) desc limit 1", (last, last)).fetchone()
    data = copy.deepcopy(cb.load().data)
    version = next(v for q in data["vragen"] if q["vraag_id"] == vraag_id for v in q["versies"] if v["jaar"] == last)
    new = "Nieuw geformuleerd antwoord (test)"
    version["optielabels"] = {**(version.get("optielabels") or {}), optie_code: new}
    frames = {name: pd.read_sql(f"select * from {name}", db) for name in
              ("antwoorden", "antwoorden_quarantaine", "toelichtingen", "inzendingen", "gemeenten")}
    tables = {t.year: t for t in people_table.tables(frames, cb.Codebook(data))}
    of_year = dict(db.execute("select jaar, label from optielabels_per_jaar where vraag_id = ? and item_code = '' "
                              "and optie_code = ?", (vraag_id, optie_code)))
    assert new not in of_year.values()
    chose = {(s, j) for s, j in db.execute("select a.inzending_id, a.jaar from antwoorden a where vraag_id = ? "
                                           "and item_code = '' and optie_code = ?", (vraag_id, optie_code))}
    expected = collections.Counter((j, new if j == last else of_year[j]) for _, j in chose)
    for year in (last, None):
        t = tables[year]
        position = len(t.headers) - len(t.columns) + next(
            i for i, c in enumerate(t.columns) if (c.vraag_id, c.item_code) == (vraag_id, ""))
        jaar_of = (lambda r: last) if year else (lambda r: int(r[3]))
        got = collections.Counter((jaar_of(r), r[position]) for r in t.rows
                                  if r[position] in (new, *of_year.values()))
        assert got == collections.Counter({k: n for k, n in expected.items() if year is None or k[0] == last}), year
    assert any(j != last for j, _ in expected)  # earlier years too: the old words can be told apart

"""Quality checks (Great Expectations) on a real demo build, with planted violations.

Every test runs the real thing: the demo deliveries are built into a temporary SQLite file, the
checks run with Great Expectations against that file (or a copy with one planted fault), and the
report is opened in Debian's Chromium with the network blocked.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from eenzaamheid import build, quality
from eenzaamheid.quality import report as quality_report
from eenzaamheid.tables import cleanschema
from eenzaamheid.validation import validate
from eenzaamheid import codebook as cb
from eenzaamheid.paths import RAW, ROOT
from eenzaamheid.privacy import EMAIL

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_db(built_site_dir, tmp_path_factory) -> Path:
    """A copy of the session's demo build (conftest), checked read-only or planted in copies."""
    path = tmp_path_factory.mktemp("quality_clean") / build.DB_NAME
    shutil.copy(built_site_dir / build.DB_NAME, path)
    return path


@pytest.fixture(scope="module")
def demo_bytes(demo_db) -> bytes:
    return demo_db.read_bytes()


@pytest.fixture(scope="module")
def demo_result(demo_db, demo_bytes) -> quality.QualityResult:
    return quality.run(demo_db)


@pytest.fixture(scope="module")
def demo_validation():
    return validate.validate_paths([RAW])


def one(db: Path, sql: str, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()


def plant(db: Path, *statements: tuple) -> None:
    conn = sqlite3.connect(db)
    try:
        for statement in statements:
            sql, *params = statement if isinstance(statement, tuple) else (statement,)
            conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def without_constraints(db: Path, table: str) -> None:
    """Rebuild `table` as a plain copy (same columns and rows; no primary key, NOT NULL or indexes)."""
    conn = sqlite3.connect(db)
    try:
        conn.executescript(f"""
            CREATE TABLE _kopie AS SELECT * FROM {table};
            DROP TABLE {table};
            CREATE TABLE {table} AS SELECT * FROM _kopie;
            DROP TABLE _kopie;""")
        conn.commit()
    finally:
        conn.close()


def failed(result: quality.QualityResult, ernsten=("fataal", "fout")) -> dict[str, dict]:
    rows = result.failures()
    rows = rows[rows["ernst"].isin(ernsten)]
    return {r["controle_id"]: r for r in rows.to_dict("records")}


def rows_of(entry: dict) -> list[dict]:
    return json.loads(entry["afwijkende_rijen"])


def contains(rows: list[dict], expected: dict) -> bool:
    return any(all(r.get(k) == v for k, v in expected.items()) for r in rows)


# --- the checks themselves ----------------------------------------------------------------------

def test_every_check_is_described_and_unique():
    checks = quality.expectations()
    ids = [c.controle_id for c in checks]
    assert len(ids) == len(set(ids))
    assert {c.ernst for c in checks} == {"fataal", "fout", "waarschuwing"}
    assert {c.herkomst for c in checks} == {"codeboek", "schema", "handmatig"}
    for c in checks:
        assert c.betekenis and len(c.betekenis.split()) >= 8, c.controle_id
        json.loads(c.parameters_json())
    # the kinds the brief asks for, each under a stable id
    expected = {
        "codeboek.optie_geldig.week_deelname.2024": "fataal",
        "codeboek.item_geldig.instrumenten.2022": "fataal",
        "codeboek.overslaan.kartrekker": "fataal",
        "schema.fk.antwoorden.inzending_id": "fataal",
        "schema.verplicht.antwoorden.waarde": "fataal",
        "schema.uniek.antwoorden": "fataal",
        "schema.enum.inzendingen.status": "fataal",
        "handmatig.respondenten_per_jaar": "fataal",
        "handmatig.panelgrootte.vast_panel_2022_2024": "fout",
        "handmatig.panelgrootte.groep_2022_2023": "fout",
        "handmatig.antwoorden_aanwezig": "fataal",
        "handmatig.gemeente_bij_inzending": "fataal",
        "handmatig.aandelen_percentage": "fout",
        "handmatig.aandelen_basis": "fout",
        "handmatig.reconciliatie_gereproduceerd": "fataal",
        "handmatig.reconciliatie_afronding": "waarschuwing",
        "handmatig.verantwoording_sluitend": "fataal",
        "handmatig.trend_sprong": "waarschuwing",
    }
    by_id = {c.controle_id: c for c in checks}
    assert {k: by_id[k].ernst for k in expected if k in by_id} == expected


def test_codebook_checks_follow_the_codebook():
    book = cb.load()
    by_id = {c.controle_id: c for c in quality.codebook_expectations(book)}
    for q in book.data["vragen"]:
        if not q.get("opties"):
            continue
        for year in book.years_asked(q["vraag_id"]):
            c = by_id[f"codeboek.optie_geldig.{q['vraag_id']}.{year}"]
            assert c.parameters["value_set"] == [o["optie_code"] for o in q["opties"]]
            assert dict(c.waar) == {"vraag_id": q["vraag_id"], "jaar": year}
            if q.get("items"):
                items = by_id[f"codeboek.item_geldig.{q['vraag_id']}.{year}"].parameters["value_set"]
                assert items == [i["item_code"] for i in q["items"] if year in i["jaren"]]


def test_panel_sizes_come_from_the_published_figures():
    by_id = {c.controle_id: c for c in quality.manual_expectations()}
    vast = by_id["handmatig.panelgrootte.vast_panel_2022_2024"]
    groep = by_id["handmatig.panelgrootte.groep_2022_2023"]
    assert vast.parameters["value"] == 89 and vast.herleiding["value"]["cijfer_ids"] == ["R2024-006", "R2024-007"]
    assert groep.parameters["value"] == 118
    assert "R2023-014" in groep.herleiding["value"]["cijfer_ids"]


def test_manual_checks_file_errors_are_explained(tmp_path):
    bad = tmp_path / "controles.yml"
    bad.write_text("controles:\n  - id: x\n    tabel: jaargangen\n    ernst: fataal\n    betekenis: iets\n"
                   "    sql: SELECT * FROM {batch} AS j WHERE j.jaar > {grens}\n", encoding="utf-8")
    with pytest.raises(quality.QualityConfigError, match="grens"):
        quality.manual_expectations(bad)
    bad.write_text("controles:\n  - id: x\n    tabel: deelname\n    ernst: fout\n    betekenis: iets\n"
                   "    expectation: expect_table_row_count_to_equal\n"
                   "    parameters: {value: {gepubliceerd: {populatie: alle_respondenten, vraag_id: respons}}}\n",
                   encoding="utf-8")
    with pytest.raises(quality.QualityConfigError, match="spreken elkaar tegen"):
        quality.manual_expectations(bad)  # every year's respondents: the filter must name one figure
    bad.write_text("controles:\n  - id: x\n    tabel: jaargangen\n    ernst: fataal\n", encoding="utf-8")
    with pytest.raises(quality.QualityConfigError, match="betekenis"):
        quality.manual_expectations(bad)


# --- the demo build -----------------------------------------------------------------------------

def test_demo_build_has_no_fatal_or_error_failures(demo_result):
    assert demo_result.fatal_failures.empty, demo_result.fatal_failures[["controle_id", "afwijkende_rijen"]]
    assert demo_result.errors.empty, demo_result.errors[["controle_id", "afwijkende_rijen"]]
    assert demo_result.publiceerbaar and demo_result.ok
    assert len(demo_result.controles) == len(demo_result.resultaten) == len(quality.expectations())
    assert demo_result.resultaten["getoetst"].notna().all()
    # every check ran on rows: nothing silently tested against an empty table
    merged = demo_result.controles.merge(demo_result.resultaten, on="controle_id")
    empty = merged[merged["getoetst"] == 0]
    assert empty.empty, empty["controle_id"].tolist()


def test_results_are_deterministic(demo_db, demo_result):
    again = quality.run(demo_db)
    assert again.controles.equals(demo_result.controles)
    assert again.resultaten.equals(demo_result.resultaten)


def test_terminal_summary(demo_result):
    text = quality.summary_text(demo_result)
    assert text.splitlines()[-1].startswith("Publiceerbaar: ")
    assert "waarschuwing handmatig.trend_sprong: " in text


def test_demo_build_flags_year_over_year_jumps(demo_result):
    warnings = demo_result.warnings
    assert "handmatig.trend_sprong" in set(warnings["controle_id"])
    trend = warnings[warnings["controle_id"] == "handmatig.trend_sprong"].iloc[0]
    rows = json.loads(trend["afwijkende_rijen"])
    assert rows and len(rows) == trend["afwijkend"]
    for r in rows:
        assert {"vraag_id", "item_code", "optie_code", "jaar"} <= set(r)
        assert abs(r["percentage"] - r["percentage_vorig_jaar"]) > 15
        assert r["basis"] >= 30 and r["basis_vorig_jaar"] >= 30


def test_report_shows_verdict_and_warning(demo_result, demo_validation):
    clean_checks = {t: "geslaagd" for t in cleanschema.TABLES}
    page, report = quality_report.render(demo_validation, demo_result, clean_checks)
    assert report["oordeel"] == "Publiceerbaar" and report["publiceerbaar"]
    assert "Publiceerbaar" in page and "Niet publiceerbaar" not in page
    # the warning with its rows, in both forms
    trend = [c for t in report["tabellen"] for c in t["controles"] if c["controle_id"] == "handmatig.trend_sprong"]
    assert trend and not trend[0]["geslaagd"] and trend[0]["ernst"] == "waarschuwing"
    assert len(trend[0]["afwijkende_rijen"]) == trend[0]["afwijkend"] > 0
    assert "handmatig.trend_sprong" in page
    first = trend[0]["afwijkende_rijen"][0]
    assert f"<td class=\"waarde\">{first['vraag_id']}</td>" in page
    # per delivery: every file, the 2019 file fails on its planted invalid answer
    files = {d["bestand"]: d for d in report["leveringen"]}
    assert len(files) == 6
    f2019 = next(d for name, d in files.items() if "2019" in name)
    assert not f2019["geslaagd"] and any(p["regel"] == "antwoord_onbekend" for p in f2019["problemen"])
    # JSON-able, deterministic, no personal data, nothing external
    assert json.loads(json.dumps(report)) == report
    assert quality_report.render(demo_validation, demo_result, clean_checks) == (page, report)
    assert not EMAIL.search(page) and not EMAIL.search(json.dumps(report, ensure_ascii=False))
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_report_file_format_follows_the_suffix(demo_result, tmp_path):
    quality_report.write_report(tmp_path / "r.json", None, demo_result, None)
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["oordeel"] == "Publiceerbaar"
    quality_report.write_report(tmp_path / "r.html", None, demo_result, None)
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError):
        quality_report.write_report(tmp_path / "r.md", None, demo_result, None)
    # without database checks (build stopped early) the verdict is never 'Publiceerbaar'
    assert quality_report.render(None, None, {"antwoorden": "geslaagd"})[1]["oordeel"] == "Niet publiceerbaar"


def test_report_refuses_when_a_clean_table_fails(demo_result):
    page, report = quality_report.render(None, demo_result, {"antwoorden": "kolom x: <i>stuk</i> voor a.b@voorbeeld.nl"})
    assert report["oordeel"] == "Niet publiceerbaar"
    assert "&lt;i&gt;stuk&lt;/i&gt;" in page and "<i>stuk</i>" not in page
    assert "a.b@voorbeeld.nl" not in page


def test_write_tables_adds_both_tables(demo_db, demo_result, tmp_path):
    db = tmp_path / "benchmark.db"
    shutil.copy(demo_db, db)
    quality.write_tables(db, demo_result)
    quality.write_tables(db, demo_result)  # replaces, does not append
    with sqlite3.connect(db) as conn:
        n = len(demo_result.controles)
        assert conn.execute("SELECT count(*) FROM kwaliteitscontroles").fetchone()[0] == n
        assert conn.execute("SELECT count(*) FROM kwaliteitsresultaten").fetchone()[0] == n
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        fks = conn.execute("PRAGMA foreign_key_list(kwaliteitsresultaten)").fetchall()
        assert [(f[2], f[3], f[4]) for f in fks] == [("kwaliteitscontroles", "controle_id", "controle_id")]
        pk = [r[1] for r in conn.execute("PRAGMA table_info(kwaliteitscontroles)") if r[5]]
        assert pk == ["controle_id"]
        warning = conn.execute("SELECT c.ernst, r.geslaagd, r.afwijkend FROM kwaliteitscontroles c JOIN "
                               "kwaliteitsresultaten r USING (controle_id) WHERE controle_id = ?",
                               ("handmatig.trend_sprong",)).fetchone()
        assert warning[0] == "waarschuwing" and warning[1] == 0 and warning[2] > 0


# --- planted violations: each fatal kind, exactly its check fails ---------------------------------

class Plant(NamedTuple):
    """What a case planted: the check that must fail, a row it must list (None: a check on a whole
    table or a count) and how many failing rows exactly (the planted ones, no more)."""
    controle_id: str
    row: dict | None
    afwijkend: int = 1


def _first_answer(db, vraag_id, jaar):
    return one(db, "SELECT inzending_id, item_code FROM antwoorden WHERE vraag_id = ? AND jaar = ? "
                   "ORDER BY inzending_id, item_code LIMIT 1", vraag_id, jaar)


def case_invalid_option(db):
    inzending, _ = _first_answer(db, "week_deelname", 2024)
    # antwoordopties (the table) offers the code, the codebook does not: only the codebook check can see it
    plant(db, ("INSERT INTO antwoordopties VALUES ('week_deelname', '', NULL, 'weet_niet', 'Weet ik niet', '2024')",),
          ("UPDATE antwoorden SET optie_code = 'weet_niet' WHERE inzending_id = ? AND vraag_id = 'week_deelname'",
           inzending))
    return Plant("codeboek.optie_geldig.week_deelname.2024", {"inzending_id": inzending, "vraag_id": "week_deelname",
                                                              "item_code": "", "optie_code": "weet_niet"})


def case_item_not_offered(db):
    book = cb.load()
    late = next(i["item_code"] for i in book.items("instrumenten") if 2022 not in i["jaren"])
    inzending, item = _first_answer(db, "instrumenten", 2022)
    plant(db, ("UPDATE antwoorden SET item_code = ? WHERE inzending_id = ? AND vraag_id = 'instrumenten' "
               "AND item_code = ?", late, inzending, item))
    return Plant("codeboek.item_geldig.instrumenten.2022", {"inzending_id": inzending, "vraag_id": "instrumenten",
                                                            "item_code": late})


def case_kartrekker_without_coalition(db):
    inzending = one(db, "SELECT inzending_id FROM antwoorden WHERE vraag_id = 'kartrekker' ORDER BY 1 LIMIT 1")[0]
    plant(db, ("DELETE FROM antwoorden WHERE inzending_id = ? AND vraag_id = 'coalitie'", inzending))
    return Plant("codeboek.overslaan.kartrekker", {"inzending_id": inzending, "vraag_id": "kartrekker"})


def case_dangling_foreign_key(db):
    inzending, _ = _first_answer(db, "week_deelname", 2024)
    plant(db, ("UPDATE antwoorden SET inzending_id = '2024-99999' WHERE inzending_id = ? AND vraag_id = 'week_deelname'",
               inzending))
    return Plant("schema.fk.antwoorden.inzending_id", {"inzending_id": "2024-99999", "vraag_id": "week_deelname"})


def case_null_in_required_column(db):
    inzending, item = _first_answer(db, "monitoring", 2024)
    without_constraints(db, "antwoorden")  # the database itself refuses NULL here
    plant(db, ("UPDATE antwoorden SET waarde = NULL WHERE jaar = 2024",))  # thousands: beyond GE's limits
    return Plant("schema.verplicht.antwoorden.waarde", {"inzending_id": inzending, "vraag_id": "monitoring",
                                                        "item_code": item},
                 afwijkend=one(db, "SELECT count(*) FROM antwoorden WHERE jaar = 2024")[0])


def case_duplicate_key(db):
    # an answer that is not unanimous, so the duplicate cannot push a share over 100%
    inzending, item = one(db, "SELECT inzending_id, item_code FROM antwoorden WHERE vraag_id = 'monitoring' "
                              "AND jaar = 2020 AND optie_code = 'ja' ORDER BY inzending_id LIMIT 1")
    without_constraints(db, "antwoorden")  # drops the primary key
    plant(db, ("INSERT INTO antwoorden SELECT * FROM antwoorden WHERE inzending_id = ? AND vraag_id = 'monitoring'",
               inzending))
    return Plant("schema.uniek.antwoorden", {"inzending_id": inzending, "vraag_id": "monitoring", "item_code": item,
                                             "aantal": 2})


def case_enum(db):
    plant(db, ("UPDATE vraagversies SET bron = 'X2020' WHERE vraag_id = 'monitoring' AND jaar = 2020",))
    return Plant("schema.enum.vraagversies.bron", {"vraag_id": "monitoring", "jaar": 2020, "bron": "X2020"})


def case_respondents_off_by_one(db):
    plant(db, ("UPDATE jaargangen SET respondenten = respondenten + 1 WHERE jaar = 2023",))
    return Plant("handmatig.respondenten_per_jaar", {"jaar": 2023})


def case_reconciliation_deviates(db):
    figure = one(db, "SELECT r.cijfer_id FROM reconciliatie r JOIN gepubliceerde_cijfers g USING (cijfer_id) "
                     "WHERE r.status = 'gelijk' AND g.kenmerk IS NULL ORDER BY 1 LIMIT 1")[0]
    disputed = one(db, "SELECT cijfer_id FROM gepubliceerde_cijfers WHERE kenmerk = 'bron_tegenstrijdig' "
                       "ORDER BY 1 LIMIT 1")[0]
    # a disputed figure may deviate (its reason is documented); an ordinary one may not
    plant(db, ("UPDATE reconciliatie SET status = 'afwijkend' WHERE cijfer_id IN (?, ?)", figure, disputed))
    return Plant("handmatig.reconciliatie_gereproduceerd", {"cijfer_id": figure})


def case_accounting_not_closed(db):
    bestand = one(db, "SELECT bestand FROM verantwoording ORDER BY 1 LIMIT 1")[0]
    plant(db, ("UPDATE verantwoording SET sluitend = 0 WHERE bestand = ?", bestand))
    return Plant("handmatig.verantwoording_sluitend", {"bestand": bestand})


def case_accepted_submission_without_answers(db):
    inzending = one(db, "SELECT inzending_id FROM inzendingen WHERE status = 'geaccepteerd' AND jaar = 2022 "
                        "ORDER BY 1 LIMIT 1")[0]
    plant(db, ("DELETE FROM antwoorden WHERE inzending_id = ?", inzending))
    return Plant("handmatig.antwoorden_aanwezig", {"inzending_id": inzending})


def case_accepted_submission_without_municipality(db):
    inzending = one(db, "SELECT inzending_id FROM inzendingen WHERE status = 'geaccepteerd' AND jaar = 2021 "
                        "ORDER BY 1 LIMIT 1")[0]
    plant(db, ("UPDATE inzendingen SET gemeente_code = NULL WHERE inzending_id = ?", inzending))
    return Plant("handmatig.gemeente_bij_inzending", {"inzending_id": inzending, "gemeente_code": None})


def case_panel_size(db):
    member = one(db, "SELECT gemeente_code FROM deelname WHERE jaar = 2024 AND lid_vast_panel_2022_2024 = 1 "
                     "ORDER BY 1 LIMIT 1")[0]
    plant(db, ("UPDATE deelname SET lid_vast_panel_2022_2024 = 0 WHERE jaar = 2024 AND gemeente_code = ?", member))
    return Plant("handmatig.panelgrootte.vast_panel_2022_2024", None)  # a count: no row to point at


def _move_meldpunt_answer(db, vraag_id: str, item_code: str, item_label: str | None) -> str:
    """Move a 2024 meldpunt answer to (vraag_id, item_code), and plant that option in antwoordopties
    so the foreign keys hold: only the codebook checks can see that the codebook does not offer it."""
    inzending, _ = _first_answer(db, "meldpunt", 2024)
    option = one(db, "SELECT optie_code FROM antwoorden WHERE inzending_id = ? AND vraag_id = 'meldpunt'", inzending)[0]
    plant(db, ("INSERT INTO antwoordopties VALUES (?, ?, ?, ?, 'Nee', '2024')", vraag_id, item_code, item_label, option),
          ("UPDATE antwoorden SET vraag_id = ?, item_code = ? WHERE inzending_id = ? AND vraag_id = 'meldpunt'",
           vraag_id, item_code, inzending))
    return inzending


def case_unknown_question(db):
    # an open question: in vragen, but the codebook gives it no answer options
    inzending = _move_meldpunt_answer(db, "week_toelichting", "", None)
    return Plant("codeboek.vraag_bekend", {"inzending_id": inzending, "vraag_id": "week_toelichting"})


def case_question_not_asked_that_year(db):
    inzending, _ = _first_answer(db, "meldpunt", 2023)
    plant(db, ("UPDATE antwoorden SET jaar = 2019 WHERE inzending_id = ? AND vraag_id = 'meldpunt'", inzending))
    return Plant("codeboek.jaar_gesteld.meldpunt", {"inzending_id": inzending, "vraag_id": "meldpunt"})


def case_item_on_a_question_without_items(db):
    inzending = _move_meldpunt_answer(db, "meldpunt", "adviseur", "Adviseur")
    return Plant("codeboek.zonder_items", {"inzending_id": inzending, "vraag_id": "meldpunt", "item_code": "adviseur"})


def case_extra_column(db):
    plant(db, "ALTER TABLE verantwoording ADD COLUMN extra TEXT")
    return Plant("schema.kolommen.verantwoording", None)  # about the table: no row to point at


def case_accounting_not_recomputable(db):
    bestand = one(db, "SELECT bestand FROM verantwoording ORDER BY 1 LIMIT 1")[0]
    # still balanced in itself, but not what the delivery and inzendingen say
    plant(db, ("UPDATE verantwoording SET geleverd = geleverd + 1, geaccepteerd = geaccepteerd + 1 WHERE bestand = ?",
               bestand))
    return Plant("handmatig.verantwoording_herberekend", {"bestand": bestand})


# The gate runs once per batch of plants, not once per plant (each run costs ~1.2 s of CPU). That
# proves as much as one run per plant: in a batch every plant has its own check and its own rows (no
# case selects a row another case of the batch changed), every check must count exactly the rows its
# own plant made fail, and nothing else may fail. A plant that also tripped another check would show
# as a check outside the batch's own or as a count beyond the planted rows. A batch holds one
# severity only: a `fout` check must leave the publication publishable, which a batch with a
# `fataal` plant could not show.
BATCHES = {
    "codeboek_en_tabellen": [case_unknown_question, case_question_not_asked_that_year, case_item_not_offered,
                             case_kartrekker_without_coalition, case_invalid_option, case_extra_column, case_enum,
                             case_respondents_off_by_one, case_reconciliation_deviates,
                             case_accepted_submission_without_municipality],
    "sleutels_en_verantwoording": [case_item_on_a_question_without_items, case_dangling_foreign_key,
                                   case_duplicate_key, case_accounting_not_closed,
                                   case_accepted_submission_without_answers],
    "een_heel_jaar": [case_null_in_required_column, case_accounting_not_recomputable],
    "niet_fataal": [case_panel_size],
}
CASES = [case for batch in BATCHES.values() for case in batch]
BATCH_OF = {case: name for name, batch in BATCHES.items() for case in batch}


@pytest.fixture(scope="module")
def planted_batch(demo_db, tmp_path_factory):
    """The plants of a batch in one copy of the demo database and the gate's result on it; each batch
    once for the module (its cases are separate tests)."""
    runs: dict[str, tuple[dict, quality.QualityResult]] = {}

    def get(name: str) -> tuple[dict, quality.QualityResult]:
        if name not in runs:
            db = tmp_path_factory.mktemp(f"geplant_{name}") / build.DB_NAME
            shutil.copy(demo_db, db)
            plants = {case: case(db) for case in BATCHES[name]}
            runs[name] = plants, quality.run(db)
        return runs[name]

    return get


def test_every_case_is_in_one_batch_with_checks_of_its_own():
    assert len(CASES) == len(set(CASES)) == len(BATCH_OF)
    module_cases = {v for k, v in globals().items() if k.startswith("case_")}
    assert set(CASES) == module_cases, "a case that no batch runs"


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_planted_violation_fails_exactly_its_check(case, planted_batch):
    plants, result = planted_batch(BATCH_OF[case])
    controle_id, planted_row, planted_count = plants[case]
    assert len({p.controle_id for p in plants.values()}) == len(plants), "two plants of a batch share a check"
    found = failed(result)
    assert set(found) == {p.controle_id for p in plants.values()}, \
        {k: v["afwijkende_rijen"][:300] for k, v in found.items()}
    entry = found[controle_id]
    assert entry["afwijkend"] == planted_count, rows_of(entry)[:5]  # the planted rows, no more
    rows = rows_of(entry)
    if planted_row is None:
        observed = json.loads(entry["waargenomen"])["observed_value"]
        parameters = json.loads(result.controles.set_index("controle_id").at[controle_id, "parameters"])
        assert observed != parameters.get("value", parameters.get("column_list"))
    else:
        assert contains(rows, planted_row), rows[:5]
        assert len(rows) == entry["afwijkend"]  # all failing rows, not a sample
        values = json.loads(entry["waargenomen"]).get("afwijkende_waarden")
        if values is not None:  # the failing values are counted over every failing row (GE: the first 200)
            assert sum(v["count"] for v in values) == entry["afwijkend"], values
    assert {found[p.controle_id]["ernst"] for p in plants.values()} == {entry["ernst"]}, "a batch of one severity"
    assert not result.publiceerbaar if entry["ernst"] == "fataal" else result.publiceerbaar
    assert not result.ok


def _kind(controle_id: str) -> str:
    """codeboek.optie_geldig.week_deelname.2024 -> codeboek.optie_geldig; a hand-written check is its own kind."""
    parts = controle_id.split(".")
    return ".".join(parts[:2]) if parts[0] in ("codeboek", "schema") else controle_id


def test_every_kind_of_fatal_check_has_a_planted_violation(demo_db, tmp_path):
    """Each kind of `fataal` check (generated per question, year, table or column) is proven by a case above."""
    fatal = {_kind(c.controle_id) for c in quality.expectations() if c.ernst == "fataal"}
    planted = {}
    for case in CASES:
        db = tmp_path / f"{case.__name__}.db"
        shutil.copy(demo_db, db)
        planted[_kind(case(db)[0])] = case.__name__
    assert fatal - set(planted) == set(), "fatal checks without a planted violation"


def test_all_failing_rows_are_listed_beyond_200(demo_db, tmp_path):
    """An SQL check with hundreds of failing rows lists every one of them (GE alone stops at 200)."""
    db = tmp_path / "benchmark.db"
    shutil.copy(demo_db, db)
    plant(db, ("UPDATE reconciliatie SET status = 'afwijkend'",))
    expected = one(db, "SELECT count(*) FROM reconciliatie r JOIN gepubliceerde_cijfers g USING (cijfer_id) "
                       "WHERE coalesce(g.kenmerk, '') <> 'bron_tegenstrijdig'")[0]
    assert expected > 200
    result = quality.run(db)
    found = failed(result)
    assert set(found) == {"handmatig.reconciliatie_gereproduceerd"}
    rows = rows_of(found["handmatig.reconciliatie_gereproduceerd"])
    assert len(rows) == expected == found["handmatig.reconciliatie_gereproduceerd"]["afwijkend"]
    assert len({r["cijfer_id"] for r in rows}) == expected


def test_a_check_that_cannot_run_fails_with_its_reason(demo_db, tmp_path, capfd):
    db = tmp_path / "benchmark.db"
    shutil.copy(demo_db, db)
    plant(db, "DROP TABLE reconciliatie", "ALTER TABLE verantwoording ADD COLUMN extra TEXT")
    capfd.readouterr()
    result = quality.run(db)
    assert capfd.readouterr().err == ""  # reported in the results, not as tracebacks on stderr
    found = failed(result)
    on_missing = {c.controle_id for c in quality.expectations() if c.tabel == "reconciliatie" and c.ernst != "waarschuwing"}
    assert set(found) == on_missing | {"schema.kolommen.verantwoording"}
    assert "reconciliatie" in json.loads(found["handmatig.reconciliatie_gereproduceerd"]["waargenomen"])["fout"]
    observed = json.loads(found["schema.kolommen.verantwoording"]["waargenomen"])
    assert "extra" in observed["observed_value"]
    assert not result.publiceerbaar


def test_a_missing_column_fails_only_the_checks_on_it(demo_db, tmp_path):
    """The generated checks of a table run as one query: a column that is gone fails exactly the
    checks that need it (with the reason), and the table's other checks still run and pass."""
    db = tmp_path / "benchmark.db"
    shutil.copy(demo_db, db)
    plant(db, "ALTER TABLE verantwoording DROP COLUMN sluitend")
    result = quality.run(db)
    on_column = {c.controle_id for c in quality.expectations() if c.tabel == "verantwoording" and c.kolom == "sluitend"}
    assert set(failed(result)) == on_column | {"schema.kolommen.verantwoording"}
    assert all("sluitend" in json.loads(failed(result)[cid]["waargenomen"])["fout"] for cid in on_column)
    merged = result.controles.merge(result.resultaten, on="controle_id")
    others = merged[(merged["tabel"] == "verantwoording") & ~merged["controle_id"].isin(on_column)
                     & (merged["controle_id"] != "schema.kolommen.verantwoording")]
    assert len(others) > 5 and others["geslaagd"].all() and others["getoetst"].gt(0).all()


def test_the_warm_gate_process_gives_the_same_result(demo_db, demo_result, tmp_path):
    """The build imports GE in a second process (quality.prewarm) and runs the gate there: the same
    result as in this process, its errors raised here, and nothing left running."""
    quality.prewarm(side=False)
    worker = quality.worker._warm
    assert worker is not None and worker.process.poll() is None
    again = quality.run(demo_db)
    assert worker.process.returncode == 0 and quality.worker._warm is None
    assert again.controles.equals(demo_result.controles) and again.resultaten.equals(demo_result.resultaten)
    broken = tmp_path / "benchmark.db"
    broken.write_text("geen database", encoding="utf-8")
    quality.prewarm(side=False)
    with pytest.raises(ValueError, match="geen leesbare SQLite-database"):
        quality.run(broken)
    quality.prewarm(side=False)
    worker = quality.worker._warm
    quality.discard()  # a build that stops before the gate
    assert worker.process.poll() is not None and quality.worker._warm is None
    quality.prewarm(side=False)
    worker = quality.worker._warm
    quality.start(demo_db)  # the build writes its exports while the gate runs ...
    assert worker.process.poll() is None and quality.worker._started is worker
    quality.discard()  # ... and stops before collecting it: nothing is left running
    assert worker.process.poll() is not None and quality.worker._started is None


def test_the_diff_and_the_exports_are_the_same_in_the_helper_process_and_without_it(demo_db, tmp_path):
    """The build hands its frames to a helper process for the diff and then the exports
    (quality.start_changes): the same `wijzigingen` and the same files as made here, also when that
    process is gone (the build then does both itself), and what writing raised is raised here."""
    import pandas as pd

    from eenzaamheid.publish.packaging import write_exports
    from eenzaamheid.changes import changes

    conn = sqlite3.connect(demo_db)
    frames = {t: cleanschema.check(t, pd.read_sql(f"select * from {t}", conn)) for t in cleanschema.TABLES
              if t != "wijzigingen"}
    conn.close()
    frames["antwoorden"] = frames["antwoorden"].iloc[1:]  # one answer less than the live publication
    here = changes.against_previous(demo_db, frames)
    assert len(here) and here.equals(changes.against_previous(demo_db, frames))
    local = tmp_path / "hier"
    write_exports({**frames, "wijzigingen": here}, local, tmp_path, None)
    written = sorted(p.relative_to(local) for p in local.rglob("*.*"))
    assert len(written) > 40

    quality.prewarm(gate=False)
    helper = quality.worker._differ
    side = quality.start_changes(demo_db, frames, exports=(tmp_path / "helper", tmp_path, None))
    assert side.worker is helper and quality.worker._differ is None
    assert side.changes().equals(here)  # answered by the helper process (it did not fall back) ...
    assert side.worker is helper and helper.unread == 0
    side.exports()
    assert helper.process.returncode == 0 and quality.worker._exporting is None
    assert sorted(p.relative_to(tmp_path / "helper") for p in (tmp_path / "helper").rglob("*.*")) == written
    assert all((tmp_path / "helper" / f).read_bytes() == (local / f).read_bytes() for f in written)

    quality.prewarm(gate=False)
    helper = quality.worker._differ
    waiting = quality.start_changes(demo_db, frames, exports=(tmp_path / "zelf", tmp_path, None))
    helper.process.kill()  # ... and when it died meanwhile, by the build itself
    helper.process.wait()
    assert waiting.changes().equals(here)
    waiting.exports()
    assert all((tmp_path / "zelf" / f).read_bytes() == (local / f).read_bytes() for f in written)

    (tmp_path / "een_bestand").write_text("geen map", encoding="utf-8")
    quality.prewarm(gate=False)
    failing = quality.start_changes(demo_db, frames, exports=(tmp_path / "een_bestand" / "staging", tmp_path, None))
    assert failing.changes().equals(here) and failing.worker is not None
    with pytest.raises(NotADirectoryError):  # raised in the helper, raised again here
        failing.exports()
    quality.discard()
    assert quality.worker._warm is None and quality.worker._differ is None and quality.worker._exporting is None


def test_great_expectations_loads_without_what_the_gate_never_runs():
    """scipy.stats and altair (GE's KL-divergence expectation) load on first use, not with GE:
    fails when GE starts to use them while it is imported (the import gets ~1 s slower again)."""
    probe = ("import sys\n"
             "from eenzaamheid.quality import engine\n"
             "engine._gx()\n"
             "print(sorted(m for m in sys.modules if m.startswith(('scipy.stats.', 'altair.'))))\n"
             "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
             "print(round(float(kl.stats.entropy([0.5, 0.5], [0.25, 0.75])), 4), kl.alt.Chart.__name__)\n"
             "print('scipy.stats._distn_infrastructure' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.splitlines()
    assert out == ["[]", "0.1438 Chart", "True"]


def test_run_leaves_the_database_untouched(demo_db, demo_bytes, demo_result):
    assert demo_db.read_bytes() == demo_bytes  # opened read-only, nothing written beside it either
    assert sorted(p.name for p in demo_db.parent.iterdir() if p.name.startswith(demo_db.name)) == [demo_db.name]


# --- the report in a browser ----------------------------------------------------------------------

def test_report_renders_offline_in_chromium(demo_result, demo_validation, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the python package playwright is not installed")
    html_path, json_path = tmp_path / "kwaliteitsrapport.html", tmp_path / "kwaliteitsrapport.json"
    quality_report.write(html_path, json_path, demo_validation, demo_result, {t: "geslaagd" for t in cleanschema.TABLES},
                         synthetic=True)
    assert json.loads(json_path.read_text(encoding="utf-8"))["oordeel"] == "Publiceerbaar"

    attempted, problems = [], []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(html_path.as_uri(), wait_until="load")
            verdict = page.locator("#oordeel strong")
            assert verdict.is_visible()
            assert verdict.inner_text() == "Publiceerbaar"
            assert page.get_by_text("handmatig.trend_sprong").first.is_visible()
            assert "synthetische demodata" in page.locator("#synthetisch").inner_text()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "kwaliteitsrapport.png"), full_page=False)
        finally:
            browser.close()
    assert attempted == [], attempted
    assert problems == [], problems

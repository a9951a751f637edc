"""The views of eenzaamheid/tables/views.sql on a real SQLite database built from the demo deliveries."""
import re
import sqlite3

import pandas as pd
import pytest
import sqlite_utils

from eenzaamheid.build import clean_frames
from eenzaamheid.codebook import load as load_codebook
from eenzaamheid.paths import ROOT
from eenzaamheid.tables.load import views_sql

VIEWS_SQL = ROOT / "eenzaamheid" / "tables" / "views.sql"
# the tables the views read, with their primary keys and the indexes the build creates
TABLES = {
    "inzendingen": ["inzending_id"],
    "antwoorden": ["inzending_id", "vraag_id", "item_code"],
    "antwoordopties": ["vraag_id", "item_code", "optie_code"],
    "vragen": ["vraag_id"],
    "vraagversies": ["vraag_id", "jaar"],
    "optielabels_per_jaar": ["vraag_id", "item_code", "optie_code", "jaar"],
    "gemeenten": ["gemeente_code"],
    "jaargangen": ["jaar"],
    "deelname": ["gemeente_code", "jaar"],
    "gepubliceerde_cijfers": ["cijfer_id"],
    "reconciliatie": ["cijfer_id"],
}
INDEXES = {"inzendingen": [["jaar", "status"], ["gemeente_code"], ["opvolger_code"]],
           "antwoorden": [["vraag_id", "item_code", "jaar"], ["jaar"]]}
VIEWS = ["geaccepteerde_antwoorden", "aandelen", "aandelen_per_provincie", "gemeente_vergelijking",
         "vraag_trend", "deelname_per_provincie", "deelname_per_gemeente",
         "gepubliceerd_naast_berekend"]


@pytest.fixture(scope="module")
def frames():
    return clean_frames(allow_quarantine=True).frames


@pytest.fixture(scope="module")
def db(frames, tmp_path_factory):
    path = tmp_path_factory.mktemp("views") / "benchmark.db"
    database = sqlite_utils.Database(path)
    for table, pk in TABLES.items():
        frame = frames[table]
        database[table].insert_all(frame.astype(object).where(frame.notna(), None).to_dict("records"), pk=pk)
        for cols in INDEXES.get(table, []):
            database[table].create_index(cols)
    database.executescript(views_sql(database.conn))
    database.conn.commit()
    database.conn.close()
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


def rows(db, sql, *params) -> list[dict]:
    return [dict(r) for r in db.execute(sql, params).fetchall()]


def frame(db, sql, *params) -> pd.DataFrame:
    return pd.DataFrame(rows(db, sql, *params))


def test_every_view_exists_and_has_a_dutch_leading_comment(db):
    names = {r["name"] for r in rows(db, "select name from sqlite_master where type = 'view'")}
    assert set(VIEWS) <= names
    text = VIEWS_SQL.read_text(encoding="utf-8")
    for view in VIEWS:
        m = re.search(rf"((?:^--[^\n]*\n)+)CREATE VIEW {view} AS", text, re.M)
        assert m, f"{view}: no comment right above CREATE VIEW"
        assert m.group(1).startswith(f"-- {view}: "), view
        assert re.search(r"\b(per|het|de|van|en)\b", m.group(1)), f"{view}: comment is not Dutch"
    for view in VIEWS:
        rows(db, f"select * from {view} limit 1")  # every view answers


def test_aandelen_reproduces_week_deelname_2024(db):
    got = {r["populatie"]: r for r in rows(
        db, "select * from aandelen where vraag_id = 'week_deelname' and jaar = 2024 and optie_code = 'ja'")}
    assert (got["alle_respondenten"]["aantal"], got["alle_respondenten"]["basis"]) == (143, 155)
    assert got["alle_respondenten"]["percentage"] == 92.3
    assert (got["vast_panel_2022_2024"]["aantal"], got["vast_panel_2022_2024"]["basis"]) == (83, 88)
    assert got["alle_respondenten"]["label"] == "Ja"
    assert "groep_2022_2023" not in got, "the 2022-2023 group has no 2024 rows"


def test_aandelen_columns(db):
    cols = [d[0] for d in db.execute("select * from aandelen limit 1").description]
    assert cols == ["populatie", "jaar", "vraag_id", "item_code", "item_label", "optie_code", "label",
                    "aantal", "basis", "percentage", "synthetisch"]


def _accepted_answers(frames) -> pd.DataFrame:
    inz = frames["inzendingen"]
    acc = inz[inz["status"] == "geaccepteerd"][["inzending_id", "provincie_code"]]
    return frames["antwoorden"].merge(acc, on="inzending_id")  # antwoorden: only counted answers, with flags


def test_aandelen_counts_every_accepted_answer_once(db, frames):
    """Sum of aantal per population, year and question = the accepted answers (nothing dropped)."""
    answers = _accepted_answers(frames)
    expected = {}
    for pop, mask in [("alle_respondenten", slice(None)),
                      ("vast_panel_2022_2024", answers["telt_in_vast_panel_2022_2024"] == 1),
                      ("groep_2022_2023", answers["telt_in_groep_2022_2023"] == 1)]:
        for (jaar, vraag), n in answers[mask].groupby(["jaar", "vraag_id"]).size().items():
            expected[(pop, int(jaar), vraag)] = int(n)
    got = {(r["populatie"], r["jaar"], r["vraag_id"]): r["n"] for r in rows(
        db, "select populatie, jaar, vraag_id, sum(aantal) as n from aandelen group by 1, 2, 3")}
    assert got == expected


def test_aandelen_bases_follow_the_report(db, frames):
    answers = _accepted_answers(frames)
    # matrix row: submissions that answered that row
    row = answers[(answers["vraag_id"] == "instrumenten") & (answers["item_code"] == "masterclasses") & (answers["jaar"] == 2024)]
    got = rows(db, "select distinct basis from aandelen where populatie = 'alle_respondenten' and jaar = 2024 "
                   "and vraag_id = 'instrumenten' and item_code = 'masterclasses'")
    assert got == [{"basis": len(row)}] and len(row) == 154
    # multiple choice: submissions that ticked at least one item, the same for every item
    ticked = answers[(answers["vraag_id"] == "uitdagingen") & (answers["jaar"] == 2024)]
    got = rows(db, "select distinct basis from aandelen where populatie = 'alle_respondenten' and jaar = 2024 "
                   "and vraag_id = 'uitdagingen'")
    assert got == [{"basis": ticked["inzending_id"].nunique()}]


def test_aandelen_has_zero_rows_for_offered_options_and_only_those(db, frames):
    book = load_codebook()
    zero = rows(db, "select * from aandelen where aantal = 0")
    assert zero and all(r["percentage"] == 0 for r in zero)
    # every single-choice or matrix row that was answered shows all its options
    per_row = frame(db, "select populatie, jaar, vraag_id, item_code, count(*) as n from aandelen a "
                        "where vraag_id in (select vraag_id from vragen where type <> 'meervoudig') group by 1, 2, 3, 4")
    n_options = per_row["vraag_id"].map(lambda v: len(book.options(v)))
    assert (per_row["n"] == n_options).all()
    # options new in 2024 appear from 2024 only, with 0 where nobody chose them
    items = {r["jaar"]: {x["item_code"] for x in rows(
        db, "select item_code from aandelen where populatie = 'alle_respondenten' and vraag_id = 'uitdagingen' and jaar = ?",
        r["jaar"])} for r in rows(db, "select distinct jaar from aandelen where vraag_id = 'uitdagingen'")}
    assert "fysieke_leefomgeving" in items[2024] and "fysieke_leefomgeving" not in items[2023]
    assert len(items[2024]) == len(items[2023]) + 2


def test_aandelen_agrees_with_the_published_counts(db, frames):
    """Every published count of a plain option equals the view's count and base."""
    figs = frames["gepubliceerde_cijfers"]
    figs = figs[(figs["maat"] == "aantal") & (figs["kenmerk"] == "") & (figs["vraag_id"] != "respons")]
    book = load_codebook()
    checked = 0
    for f in figs.to_dict("records"):
        if book.option_group(f["vraag_id"], f["optie_code"]) != [f["optie_code"]]:
            continue
        r = rows(db, "select aantal, basis from aandelen where populatie = ? and jaar = ? and vraag_id = ? "
                     "and item_code = ? and optie_code = ?",
                 f["populatie"], int(f["jaar"]), f["vraag_id"], f["item_code"], f["optie_code"])
        assert len(r) == 1 and r[0]["aantal"] == int(f["waarde"]), f["cijfer_id"]
        if f["basis"]:
            assert r[0]["basis"] == int(f["basis"]), f["cijfer_id"]
        checked += 1
    assert checked >= 40


def test_aandelen_per_provincie_adds_up_to_the_country(db):
    national = frame(db, "select jaar, vraag_id, item_code, optie_code, aantal, basis from aandelen "
                         "where populatie = 'alle_respondenten'")
    provinces = frame(db, "select jaar, vraag_id, item_code, optie_code, sum(aantal) as aantal, sum(basis) as basis, "
                          "count(distinct provincie) as n from aandelen_per_provincie group by 1, 2, 3, 4")
    merged = national.merge(provinces, on=["jaar", "vraag_id", "item_code", "optie_code"], suffixes=("", "_pv"),
                            how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["aantal"] == merged["aantal_pv"]).all()
    assert (merged["basis"] == merged["basis_pv"]).all()
    assert merged["n"].max() == 12


def test_gemeente_vergelijking_shows_province_and_country(db, frames):
    inz = frames["inzendingen"]
    sub = inz[(inz["jaar"] == 2024) & (inz["status"] == "geaccepteerd")].iloc[0]
    got = rows(db, "select * from gemeente_vergelijking where gemeente_code = ? and jaar = 2024", sub["gemeente_code"])
    answers = frames["antwoorden"][frames["antwoorden"]["inzending_id"] == sub["inzending_id"]]
    assert len(got) == len(answers) > 10
    gm = frames["gemeenten"].set_index("gemeente_code").loc[sub["gemeente_code"]]
    assert {(r["gemeente"], r["provincie"], r["inzending_id"]) for r in got} == {(gm["naam"], gm["provincie"], sub["inzending_id"])}
    for r in got:
        pv = rows(db, "select * from aandelen_per_provincie where jaar = 2024 and provincie_code = ? and vraag_id = ? "
                      "and item_code = ? and optie_code = ?", r["provincie_code"], r["vraag_id"], r["item_code"], r["optie_code"])
        nl = rows(db, "select * from aandelen where populatie = 'alle_respondenten' and jaar = 2024 and vraag_id = ? "
                      "and item_code = ? and optie_code = ?", r["vraag_id"], r["item_code"], r["optie_code"])
        assert (r["aantal_provincie"], r["basis_provincie"], r["percentage_provincie"]) == \
            (pv[0]["aantal"], pv[0]["basis"], pv[0]["percentage"])
        assert (r["aantal_nederland"], r["basis_nederland"], r["percentage_nederland"]) == \
            (nl[0]["aantal"], nl[0]["basis"], nl[0]["percentage"])
        assert r["label"] == nl[0]["label"]
    week = next(r for r in got if r["vraag_id"] == "week_deelname")
    assert week["basis_nederland"] == 155


def test_gemeente_vergelijking_one_row_per_accepted_answer(db, frames):
    n = rows(db, "select count(*) as n from gemeente_vergelijking where vraag_id = 'instrumenten'")[0]["n"]
    answers = _accepted_answers(frames)
    assert n == (answers["vraag_id"] == "instrumenten").sum()


def test_vraag_trend_flags_comparability_breaks(db):
    trend = {r["jaar"]: r for r in rows(db, "select * from vraag_trend where vraag_id = 'meldpunt' and optie_code = 'ja'")}
    assert sorted(trend) == [2022, 2023, 2024]
    assert trend[2024]["vergelijkbaar_met_vorig_jaar"] == "nee"
    assert "meldpunt" in trend[2024]["reden"] and "signaalpunt" in trend[2024]["reden"]
    assert trend[2023]["vergelijkbaar_met_vorig_jaar"] == "onzeker"
    assert trend[2022]["vergelijkbaar_met_vorig_jaar"] is None  # first year
    cols = [d[0] for d in db.execute("select * from vraag_trend limit 1").description]
    assert {"percentage_alle_respondenten", "basis_alle_respondenten", "percentage_vast_panel", "basis_vast_panel",
            "vergelijkbaar_met_vorig_jaar", "reden", "formulering"} <= set(cols)


def test_vraag_trend_has_the_panel_only_in_its_years(db):
    trend = {r["jaar"]: r for r in rows(db, "select * from vraag_trend where vraag_id = 'week_deelname' and optie_code = 'ja'")}
    assert sorted(trend) == [2019, 2020, 2021, 2022, 2023, 2024]
    for year in (2019, 2020, 2021):
        assert trend[year]["percentage_vast_panel"] is None and trend[year]["basis_vast_panel"] is None
    assert (trend[2024]["aantal_vast_panel"], trend[2024]["basis_vast_panel"]) == (83, 88)
    assert (trend[2024]["aantal_alle_respondenten"], trend[2024]["basis_alle_respondenten"]) == (143, 155)
    assert trend[2024]["percentage_alle_respondenten"] == 92.3


def test_deelname_per_provincie_counts_every_accepted_submission(db, frames):
    inz = frames["inzendingen"]
    accepted = inz[inz["status"] == "geaccepteerd"].groupby("jaar").size().to_dict()
    totals = {r["jaar"]: r for r in rows(db, "select jaar, sum(deelnemers) as deelnemers, sum(aantal_gemeenten) as gemeenten, "
                                             "count(*) as provincies from deelname_per_provincie group by jaar")}
    assert {y: r["deelnemers"] for y, r in totals.items()} == accepted
    # CBS: 355 municipalities in 2019 and 2020, 352 in 2021, 345 in 2022, 342 in 2023 and 2024
    assert {y: r["gemeenten"] for y, r in totals.items()} == {2019: 355, 2020: 355, 2021: 352, 2022: 345, 2023: 342, 2024: 342}
    assert all(r["provincies"] == 12 for r in totals.values())
    assert all(0 <= r["percentage"] <= 100 for r in rows(db, "select percentage from deelname_per_provincie"))


def test_predecessors_of_a_merger_count_separately(db, frames):
    inz = frames["inzendingen"]
    acc = inz[inz["status"] == "geaccepteerd"]
    merged = acc.groupby(["jaar", "opvolger_code"])["gemeente_code"].nunique()
    merged = merged[merged > 1]
    assert not merged.empty, "the demo has predecessors of a later merger taking part in the same year"
    jaar, opvolger = merged.index[0]
    codes = acc[(acc["jaar"] == jaar) & (acc["opvolger_code"] == opvolger)]
    provincie = codes["provincie_code"].iloc[0]
    expected = acc[(acc["jaar"] == jaar) & (acc["provincie_code"] == provincie)]["gemeente_code"].nunique()
    got = rows(db, "select deelnemers from deelname_per_provincie where jaar = ? and provincie_code = ?", int(jaar), provincie)
    assert got == [{"deelnemers": expected}]


def test_views_only_count_accepted_submissions(db, frames):
    inz = frames["inzendingen"]
    other = inz[inz["status"] != "geaccepteerd"]["inzending_id"].tolist()
    assert other
    marks = ",".join("?" * len(other))
    assert rows(db, f"select count(*) as n from geaccepteerde_antwoorden where inzending_id in ({marks})", *other) == [{"n": 0}]
    assert rows(db, f"select count(*) as n from gemeente_vergelijking where inzending_id in ({marks})", *other) == [{"n": 0}]


def test_deelname_per_gemeente_has_a_column_per_year_and_adds_them_up(db, frames):
    got = frame(db, "select * from deelname_per_gemeente")
    deelname = frames["deelname"]
    years = sorted(deelname["jaar"].unique())
    assert [c for c in got.columns if c.isdigit()] == [str(y) for y in years]  # one per year of deelname
    assert len(got) == deelname["gemeente_code"].nunique()
    assert (got[[str(y) for y in years]].sum(axis=1) == got["aantal_jaren"]).all()
    assert (got["elk_jaar"] == (got["aantal_jaren"] == len(years)).astype(int)).all()
    member = deelname.groupby("gemeente_code")["lid_vast_panel_2022_2024"].max()
    assert got.set_index("gemeente_code")["lid_vast_panel_2022_2024"].equals(member.loc[got["gemeente_code"]].rename_axis("gemeente_code"))


def test_every_answered_option_has_its_years_label(frames):
    """Every (question, item, option, year) the answers use has that year's wording in optielabels_per_jaar,
    and none is offered in a year the option did not exist (antwoordopties.jaren)."""
    keys = ["vraag_id", "item_code", "optie_code", "jaar"]
    answers = frames["antwoorden"].dropna(subset=["optie_code"])[keys].drop_duplicates()
    labels = frames["optielabels_per_jaar"]
    joined = answers.merge(labels, on=keys, how="left")
    assert len(joined) > 100 and set(joined["jaar"]) == set(frames["jaargangen"]["jaar"])
    missing = joined[joined["label"].isna() | (joined["label"] == "")]
    assert missing.empty, missing.head().to_dict("records")
    offered = {(r.vraag_id, r.item_code, r.optie_code, int(j)) for r in frames["antwoordopties"].itertuples()
               for j in r.jaren.split(",")}
    assert set(labels[keys].itertuples(index=False, name=None)) == offered


LABELLED_VIEWS = ("aandelen", "aandelen_per_provincie", "gemeente_vergelijking", "vraag_trend")
OPTION = "vraag_id = ? AND item_code = ? AND optie_code = ?"


def _answered_over_years(frames) -> tuple[tuple, list[int]]:
    """A single-choice or matrix option that accepted answers chose in at least three years, the last
    survey year among them: (vraag_id, item_code, optie_code), its years."""
    types = frames["vragen"].set_index("vraag_id")["type"]
    answers = _accepted_answers(frames)
    answers = answers[answers["vraag_id"].map(types) != "meervoudig"]
    years = answers.groupby(["vraag_id", "item_code", "optie_code"])["jaar"].agg(lambda s: sorted(set(map(int, s))))
    last = int(frames["jaargangen"]["jaar"].max())
    key, found = next((k, y) for k, y in years.items() if len(y) >= 3 and y[-1] == last)
    return key, found


def test_views_show_an_option_as_worded_that_year(db, frames):
    """A reworded option (optielabels_per_jaar changed for the last year) is shown in that year's words
    by every view with a label; a year the table lacks falls back to antwoordopties' general label; the
    other years keep their own words. Changed inside a transaction that is rolled back."""
    key, years = _answered_over_years(frames)
    labels = frames["optielabels_per_jaar"]
    own = {int(r.jaar): r.label for r in labels.itertuples()
           if (r.vraag_id, r.item_code, r.optie_code) == key}
    reworded, general = "Anders geformuleerd in het laatste jaar", "Algemeen label (testwaarde)"
    assert reworded not in own.values() and general not in own.values()
    try:
        db.execute(f"UPDATE optielabels_per_jaar SET label = ? WHERE {OPTION} AND jaar = ?", (reworded, *key, years[-1]))
        db.execute(f"DELETE FROM optielabels_per_jaar WHERE {OPTION} AND jaar = ?", (*key, years[0]))
        db.execute(f"UPDATE antwoordopties SET label = ? WHERE {OPTION}", (general, *key))
        expected = {years[-1]: reworded, years[0]: general} | {y: own[y] for y in years[1:-1]}
        for view in LABELLED_VIEWS:
            got = rows(db, f"SELECT DISTINCT jaar, label FROM {view} WHERE {OPTION} AND jaar IN ({','.join('?' * len(years))})",
                       *key, *years)
            assert {(r["jaar"], r["label"]) for r in got} == set(expected.items()), view
        # the question's other options keep their own words that year
        others = rows(db, "SELECT DISTINCT optie_code, label FROM aandelen WHERE vraag_id = ? AND item_code = ? "
                          "AND jaar = ? AND optie_code <> ?", key[0], key[1], years[-1], key[2])
        assert others and all(r["label"] == labels[(labels["vraag_id"] == key[0]) & (labels["item_code"] == key[1])
                                                    & (labels["optie_code"] == r["optie_code"])
                                                    & (labels["jaar"] == years[-1])]["label"].item() for r in others)
    finally:
        db.rollback()

"""Headline figures (kerncijfers): defined once in the codebook, computed by the build into the
table `kerncijfers`, reconciled with the printed figures, shown on the question and home pages.

Every expected value is recomputed here from the demo build's answers (independently, in SQL),
never typed in."""
from __future__ import annotations

import copy
import re
import sqlite3
from fractions import Fraction

import pandas as pd
import pytest
import yaml

from eenzaamheid import codebook as cb
from eenzaamheid.paths import CODE_ROOT
from eenzaamheid.transform import kerncijfers as kc
from markupsafe import escape

from test_site import get, pct, reworded_store, rows

SHOWN = ("alle_respondenten", "vast_panel_2022_2024")


@pytest.fixture(scope="module")
def db(built_site_dir):
    return built_site_dir / "benchmark.db"


@pytest.fixture(scope="module")
def table(db):
    return rows(db, "select * from kerncijfers order by vraag_id, populatie, jaar")


def exact_share(db, row) -> Fraction:
    """The share straight from antwoorden and inzendingen: accepted submissions of the population
    that gave one of the headline options, of those that answered the row (multiple choice: any row)."""
    population = "" if row["populatie"] == "alle_respondenten" else f"and i.telt_in_{row['populatie']} = 1"
    vraag_type = rows(db, "select type from vragen where vraag_id = ?", [row["vraag_id"]])[0]["type"]
    item_filter = "" if vraag_type == "meervoudig" else "and coalesce(a.item_code, '') = ?"
    item = [] if vraag_type == "meervoudig" else [row["item_code"] or ""]
    base_sql = f"""select count(distinct i.inzending_id) n from antwoorden a
                   join inzendingen i on i.inzending_id = a.inzending_id
                   where i.status = 'geaccepteerd' and i.jaar = ? and a.vraag_id = ? {population} {item_filter}"""
    base = rows(db, base_sql, [row["jaar"], row["vraag_id"], *item])[0]["n"]
    options = row["opties"].split(",")
    count = rows(db, f"""select count(distinct i.inzending_id) n from antwoorden a
                         join inzendingen i on i.inzending_id = a.inzending_id
                         where i.status = 'geaccepteerd' and i.jaar = ? and a.vraag_id = ? {population}
                         and coalesce(a.item_code, '') = ? and a.optie_code in ({','.join('?' * len(options))})""",
                 [row["jaar"], row["vraag_id"], row["item_code"] or "", *options])[0]["n"]
    assert (count, base) == (row["aantal"], row["basis"]), row
    return Fraction(100 * count, base)


def test_codebook_defines_the_headline_as_the_reports_add_it_up():
    book = cb.load()
    headlines = {k["vraag_id"]: k for k in book.headlines()}
    coalitie = [o["optie_code"] for o in book.questions["coalitie"]["opties"]]
    assert headlines["coalitie"]["opties"] == [c for c in coalitie if c.startswith("ja_")]  # every ja_* option
    assert headlines["week_deelname"]["opties"] == ["ja"]
    for k in headlines.values():
        q = book.questions[k["vraag_id"]]
        known = {o["optie_code"] for o in q.get("opties", [])}
        assert set(k["opties"]) <= known and k["opties"], k
        assert k["formulering"] and k["label"], k
        if k["item_code"]:
            assert k["item_code"] in {i["item_code"] for i in q["items"]}, k


def test_table_holds_every_headline_per_year_computed_from_the_answers(db, table):
    book = cb.load()
    headlines = {k["vraag_id"] for k in book.headlines()}
    assert {r["vraag_id"] for r in table} == headlines
    for r in table:
        share = exact_share(db, r)
        assert abs(r["percentage"] - float(share)) <= 0.05, r
    # every year the question was asked has a figure for all respondents
    for vraag_id in headlines:
        years = {r["jaar"] for r in table if r["vraag_id"] == vraag_id and r["populatie"] == "alle_respondenten"}
        assert years == set(book.years_asked(vraag_id)), vraag_id
    # the fixed panel only in its own years
    panel_years = {r["jaar"] for r in table if r["populatie"] == "vast_panel_2022_2024"}
    assert panel_years and panel_years <= {2022, 2023, 2024}


def test_change_only_since_a_comparable_previous_year(db, table):
    by_key = {(r["vraag_id"], r["populatie"], r["jaar"]): r for r in table}
    book = cb.load()
    with_change = across_break = 0
    for r in table:
        asked = book.years_asked(r["vraag_id"])
        earlier = [y for y in asked if y < r["jaar"]]
        previous = by_key.get((r["vraag_id"], r["populatie"], max(earlier))) if earlier else None
        comparable = book.version(r["vraag_id"], r["jaar"])["vergelijkbaar_met_vorig_jaar"]
        assert r["vergelijkbaar_met_vorig_jaar"] == comparable
        if comparable != "ja" or previous is None:
            assert r["verschil_procentpunt"] is None and r["vorig_jaar"] is None, r
            across_break += previous is not None
            continue
        with_change += 1
        assert r["vorig_jaar"] == previous["jaar"]
        expected = exact_share(db, r) - exact_share(db, previous)
        assert abs(r["verschil_procentpunt"] - float(expected)) <= 0.05, r
    assert with_change and across_break  # both cases occur in the demo data


def test_a_break_in_the_codebook_removes_the_change(db, monkeypatch):
    """The same answers, with the codebook marking 2024 of week_deelname as not comparable."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    frames = {t: pd.read_sql(f"select * from {t}", conn)
              for t in ("inzendingen", "antwoorden", "vragen", "toelichtingen", "jaargangen")}
    conn.close()
    before = kc.kerncijfers(frames)
    week = (before["vraag_id"] == "week_deelname") & (before["jaar"] == 2024)
    assert before.loc[week, "verschil_procentpunt"].notna().all()

    data = copy.deepcopy(cb.load().data)
    for q in data["vragen"]:
        if q["vraag_id"] == "week_deelname":
            for v in q["versies"]:
                if v["jaar"] == 2024:
                    v["vergelijkbaar_met_vorig_jaar"] = "nee"
    monkeypatch.setattr(cb, "load", lambda *a, **k: cb.Codebook(data))
    after = kc.kerncijfers(frames)
    assert after.loc[week, "verschil_procentpunt"].isna().all()
    assert (after.loc[week, "vergelijkbaar_met_vorig_jaar"] == "nee").all()
    assert after.loc[week, "percentage"].tolist() == before.loc[week, "percentage"].tolist()


def test_printed_headline_figures_are_reconciled_with_the_same_computation(db, table):
    assert rows(db, "select count(*) n from reconciliatie where status = 'afwijkend'")[0]["n"] == 0
    printed = rows(db, """select g.*, r.berekend, r.status from gepubliceerde_cijfers g
                          join reconciliatie r using (cijfer_id)
                          where g.maat = 'percentage' and g.operator = '='""")
    by_key = {(r["vraag_id"], r["item_code"] or "", r["optie_code"], r["populatie"], r["jaar"]): r for r in table}
    reconciled = set()
    for p in printed:
        k = by_key.get((p["vraag_id"], p["item_code"] or "", p["optie_code"], p["populatie"], p["jaar"]))
        if k is None:
            continue
        if p["status"] == "bron_tegenstrijdig":
            continue
        assert p["status"] in ("gelijk", "afrondingsverschil"), p
        assert abs(p["berekend"] - float(Fraction(100 * k["aantal"], k["basis"]))) < 0.01, p
        reconciled.add(k["vraag_id"])
    # every headline figure is printed somewhere and reconciled
    assert reconciled == {r["vraag_id"] for r in table}


def _section(html: str, css_class: str) -> str:
    m = re.search(rf'<section class="{css_class}".*?</section>', html, flags=re.S)
    assert m, css_class
    return m.group(0)


def test_question_page_opens_with_its_headline_figure_per_year(site, table):
    for vraag_id in ("coalitie", "meldpunt", "week_deelname"):
        html = get(site, f"/vraag/{vraag_id}").text
        block = _section(html, "kerncijfer")
        assert html.index('class="kerncijfer"') < html.index("formuleringen")  # at the top
        assert "synthetische demodata" in block
        figures = [r for r in table if r["vraag_id"] == vraag_id and r["populatie"] in SHOWN]
        assert figures
        table_rows = {int(y): re.findall(r"<td>(.*?)</td>", tr, flags=re.S)
                      for y, tr in re.findall(r'<th scope="row">(\d{4})</th>(.*?)</tr>', block, flags=re.S)}
        for r in figures:
            cell = table_rows[r["jaar"]][SHOWN.index(r["populatie"])]
            assert f'{pct(r["percentage"])}</span> <span class="p">({r["aantal"]} van {r["basis"]})' in cell, (vraag_id, r)
            if r["verschil_procentpunt"] is not None:
                change = f'{r["verschil_procentpunt"]:+.1f}'.replace(".", ",").replace("-", "−")
                assert f"sinds {r['vorig_jaar']}" in cell and (change in cell or "gelijk" in cell), cell
            else:
                assert "procentpunt" not in cell, cell
                if r["vergelijkbaar_met_vorig_jaar"] == "nee":
                    assert "breuk: niet vergelijkbaar" in cell


def _latest_words(db, vraag_id: str, item_code: str, optie_code: str) -> tuple[int, str, dict]:
    """(latest year, its wording, year -> wording) of an option, from optielabels_per_jaar."""
    of_year = {r["jaar"]: r["label"] for r in rows(
        db, "select jaar, label from optielabels_per_jaar where vraag_id = ? and item_code = ? and optie_code = ?",
        [vraag_id, item_code, optie_code])}
    return max(of_year), of_year[max(of_year)], of_year


def test_headline_block_names_the_counted_options_as_worded(site, db):
    """'Welke antwoorden tellen mee' gives each counted option in its latest wording (the served page);
    on a copy of the database in which the latest year rewords one of them, that one in the new words,
    followed by its earlier words and their years, the others unchanged."""
    from eenzaamheid.site.pages.kerncijfers import question_headline

    vraag_id, item_code, opties = next((r["vraag_id"], r["item_code"] or "", r["opties"].split(",")) for r in rows(
        db, "select distinct vraag_id, item_code, opties from kerncijfers where opties like '%,%' order by vraag_id"))
    block = _section(get(site, f"/vraag/{vraag_id}").text, "kerncijfer")
    listed = re.findall(r"<li>(.*?)</li>", block.split('class="kern-opties"')[1].split("</details>")[0])
    assert listed == [str(escape(_latest_words(db, vraag_id, item_code, o)[1])) for o in opties]
    year, old, of_year = _latest_words(db, vraag_id, item_code, opties[0])
    earlier = sorted(j for j in of_year if j != year)
    assert earlier and all(of_year[j] == old for j in earlier)  # one earlier wording, so the note is one
    new = "Ja, anders geformuleerd (test)"
    store = reworded_store(db, {(vraag_id, item_code, opties[0], year): new})
    words = question_headline(store, vraag_id)["opties"]
    assert words[0].startswith(new) and f"‘{old}’" in words[0] and str(earlier[0]) in words[0]
    assert str(year) not in words[0].removeprefix(new) and str(earlier[-1]) in words[0]
    assert words[1:] == [_latest_words(db, vraag_id, item_code, o)[1] for o in opties[1:]]


def test_home_page_shows_the_chosen_latest_headline_figures_with_links(site, table):
    chosen = yaml.safe_load((CODE_ROOT / "metadata.yml").read_text(encoding="utf-8"))["kerncijfers_home"]
    latest = max(r["jaar"] for r in table)
    block = _section(get(site, "/").text, "kerncijfers-home")
    assert f"Kerncijfers {latest}" in block and "synthetische" in block
    links = re.findall(r'<a href="(/vraag/[a-z_]+)"', block)
    assert links == [f"/vraag/{v}" for v in chosen]
    for vraag_id in chosen:
        r = next(r for r in table if r["vraag_id"] == vraag_id and r["jaar"] == latest
                 and r["populatie"] == "alle_respondenten")
        tile = block[block.index(f'/vraag/{vraag_id}"'):].split("</li>")[0]
        assert pct(r["percentage"]) in tile and f"{r['aantal']} van {r['basis']}" in tile
        assert ("procentpunt sinds" in tile) == (r["verschil_procentpunt"] is not None)


def test_headline_table_is_served_and_described(site, table):
    data = get(site, "/benchmark/kerncijfers.json?_shape=array&_size=max").json()
    assert len(data) == len(table)
    page = get(site, "/benchmark/kerncijfers").text
    assert "Kerncijfers" in page and "vergelijkbaarheidsbreuk" in page

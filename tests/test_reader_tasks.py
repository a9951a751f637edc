"""Reader tasks, done as a person does them: start at the home page, click and type in Debian's
Chromium, read what the page says, and compare what the reader would write down with the database
(never with values typed into the test).

The other reader tasks live beside the pages they use: a province's participants and a misspelled
municipality (test_site_gemeente_browser.py), a year's answers in a spreadsheet and a factsheet
printed to PDF (test_site_browser.py)."""
from __future__ import annotations

import re
import sqlite3

import pytest

from test_site_browser import ARTIFACTS, CHROMIUM, assert_banner_visible, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")


def rows(site, sql: str, params=()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def dutch_pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


def test_a_headline_figure_and_its_change(page, site):  # noqa: F811 - fixture
    """'How many municipalities have a local coalition, and is that more or less than last year?'"""
    page.goto(site.url + "/", wait_until="load")
    assert_banner_visible(page)
    tile = page.locator("ul.kern-tegels > li", has_text="Lokale coalitie")
    text = " ".join(tile.inner_text().split())
    latest = rows(site, """select * from kerncijfers where vraag_id = 'coalitie' and populatie = 'alle_respondenten'
                           order by jaar desc limit 1""")[0]
    # what the reader writes down: the share, its base, and the change in percentage points
    assert dutch_pct(latest["percentage"]) in text, text
    assert f"{latest['aantal']} van {latest['basis']} gemeenten" in text, text
    previous = rows(site, """select percentage from kerncijfers where vraag_id = 'coalitie'
                             and populatie = 'alle_respondenten' and jaar = ?""", [latest["vorig_jaar"]])[0]
    change = round(latest["percentage"] - previous["percentage"], 1)
    shown = re.search(r"([−+-]?\d+,\d) procentpunt sinds (\d{4})", text)
    assert shown, text
    assert float(shown.group(1).replace("−", "-").replace(",", ".")) == pytest.approx(change, abs=0.051)
    assert int(shown.group(2)) == latest["vorig_jaar"]


def test_one_municipality_one_answer_and_its_participation(page, site):  # noqa: F811 - fixture
    """'Did Amersfoort use best practices in its latest year, and in which years did it take part?'"""
    page.goto(site.url + "/", wait_until="load")
    page.fill("#zoek-gemeente", "Amersfoort")
    page.press("#zoek-gemeente", "Enter")
    page.wait_for_url("**/gemeente/GM0307")
    assert_banner_visible(page)

    taken_part = [r["jaar"] for r in rows(site, """select jaar from deelname where gemeente_code = 'GM0307'
                                                   and deelgenomen = 1 order by jaar""")]
    history = page.locator("tr.deelname-rij").first
    years = page.locator("table:has(tr.deelname-rij) thead th").all_inner_texts()[1:]
    cells = history.locator("td").all_inner_texts()
    assert [int(j) for j, c in zip(years, cells) if c.strip() == "ja"] == taken_part

    latest = taken_part[-1]
    ticked_none = rows(site, """select optie_code from antwoorden where gemeente_code = 'GM0307' and jaar = ?
                                and vraag_id = 'best_practices' and item_code = 'geen'""", [latest])
    assert ticked_none, "GM0307 answered best_practices/geen in its latest year"
    # 'uses best practices' holds unless the municipality ticked 'Geen'
    expected = "Nee" if ticked_none[0]["optie_code"] == "ja" else "Ja"
    row = page.locator("tr", has_text="maakt gebruik van best practices").first
    answer = re.search(r"\b(Ja|Nee)\b", row.locator("td").first.inner_text())
    assert answer and answer.group(1) == expected, row.inner_text()

"""A municipality at a glance, its factsheet on paper and participation in one click, in Debian's
Chromium (Playwright) against the real server. Screenshots and PDFs: tests/artifacts/."""
from __future__ import annotations

import re

import pytest

from test_site import query
from test_site_browser import ARTIFACTS, assert_banner_visible, browser, open_page, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path("/usr/bin/chromium").exists(),
                                reason="Debian's chromium is not installed")

FOLD = {"width": 1280, "height": 800}


def every_year_municipality(site) -> str:
    return query(site, """select gemeente_code from inzendingen where status = 'geaccepteerd'
        group by gemeente_code having count(distinct jaar) = (select count(*) from jaargangen)
        order by gemeente_code limit 1""")[0]["gemeente_code"]


def successor_with_answering_predecessor(site) -> str:
    return query(site, """select g.opvolger_code as code from gemeenten g
        where g.opvolger_code != g.gemeente_code and exists (select 1 from inzendingen i
            where i.gemeente_code = g.gemeente_code and i.status = 'geaccepteerd')
        group by g.opvolger_code order by count(*) desc, g.opvolger_code limit 1""")[0]["code"]


def test_how_a_municipality_compares_is_above_the_fold(page, site):
    code = every_year_municipality(site)
    provincie = query(site, "select provincie from gemeenten where gemeente_code = ?", [code])[0]["provincie"]
    page.set_viewport_size(FOLD)
    open_page(page, site, f"/gemeente/{code}", "gemeente-oogopslag-1280")
    assert_banner_visible(page)
    block = page.locator("table.oogopslag")
    for name in (f"provincie {provincie}", "Nederland"):
        header = block.get_by_role("columnheader", name=name, exact=True)
        assert header.is_visible(), name
        box = header.bounding_box()
        assert box["y"] + box["height"] <= FOLD["height"], f"{name} is below the fold"
    rows = block.locator("tbody tr")
    assert rows.count() >= 5
    for i in range(3):  # the first questions with their answer and both shares, without scrolling
        for cell in ("td.antwoord", "td.aandeel.provincie", "td.aandeel.nederland"):
            box = rows.nth(i).locator(cell).bounding_box()
            assert box and box["y"] + box["height"] <= FOLD["height"], (i, cell)
            assert box["x"] + box["width"] <= FOLD["width"]
    assert re.search(r"\d+,\d%", rows.first.locator("td.aandeel.nederland").inner_text())
    # the per-year detail is collapsed
    assert not page.locator("details.jaar-details[open]").count()
    assert not page.locator("svg.vergelijk").first.is_visible()


def test_municipality_overview_on_a_phone(page, site):
    code = every_year_municipality(site)
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, site, f"/gemeente/{code}", "gemeente-oogopslag-390")
    first = page.locator("table.oogopslag tbody tr").first
    for cell in ("td.antwoord", "td.aandeel.provincie", "td.aandeel.nederland"):
        box = first.locator(cell).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{cell} runs off a phone screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_successor_shows_predecessors_answers(page, site):
    code = successor_with_answering_predecessor(site)
    open_page(page, site, f"/gemeente/{code}", "gemeente-opvolger")
    page.get_by_role("link", name="Voorgangers", exact=True).click()
    heading = page.locator("h3.voorganger").first
    assert heading.is_visible()
    assert re.search(r"\(GM\d{4}, opgeheven per .*; antwoorden uit \d{4}", heading.inner_text())
    table = page.locator("table.voorganger").first
    assert table.is_visible() and table.locator("tbody tr").count() > 5
    page.screenshot(path=str(ARTIFACTS / "gemeente-voorgangers.png"), full_page=False)
    # and the predecessor's page leads back to its successor by name
    heading.get_by_role("link").click()
    page.wait_for_url("**/gemeente/GM*")
    successor = query(site, "select naam from gemeenten where gemeente_code = ?", [code])[0]["naam"]
    page.get_by_text("opgegaan in").get_by_role("link", name=successor, exact=True).click()  # beside the province link
    page.wait_for_url(f"**/gemeente/{code}")


@pytest.mark.parametrize("which", ["elk_jaar", "opvolger"])
def test_factsheet_prints_on_at_most_two_a4_pages(page, site, which):
    code = every_year_municipality(site) if which == "elk_jaar" else successor_with_answering_predecessor(site)
    open_page(page, site, f"/gemeente/{code}/factsheet", f"factsheet-{which}")
    page.emulate_media(media="print")
    assert page.locator(".synthetisch-banner").is_visible()
    assert page.locator("footer.factsheet-voet").is_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    (ARTIFACTS / f"factsheet-{which}.pdf").write_bytes(pdf)
    assert 1 <= pages <= 2, f"the factsheet of {code} takes {pages} A4 pages"


def test_who_took_part_every_year_is_one_click_from_home(page, site):
    open_page(page, site, "/", "home-deelname")
    page.get_by_role("link", name="Welke gemeenten deden elk jaar mee?").click()
    page.wait_for_url("**/deelname_per_gemeente?elk_jaar=1")
    expected = [r["gemeente_code"] for r in query(
        site, "select gemeente_code from deelname_per_gemeente where elk_jaar = 1")]
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == len(expected) > 0
    shown = {rows.nth(i).locator("td.col-gemeente_code").inner_text().split()[0] for i in range(rows.count())}
    assert shown == set(expected)
    page.screenshot(path=str(ARTIFACTS / "deelname-elk-jaar.png"), full_page=False)

    page.go_back()
    page.get_by_role("link", name="Hoeveel jaren deed elke gemeente mee?").click()
    page.wait_for_url("**/deelname_per_gemeente?_sort_desc=aantal_jaren")
    most = query(site, "select max(aantal_jaren) as n from deelname_per_gemeente")[0]["n"]
    assert page.locator("table.rows-and-columns tbody tr").first.locator("td.col-aantal_jaren").inner_text().strip() == str(most)


def test_map_shows_how_many_years_each_municipality_took_part(page, site):
    open_page(page, site, "/kaart", "kaart-naar-aantal-jaren")
    page.get_by_role("link", name=re.compile(r"^Aantal jaren")).click()
    page.wait_for_url("**/kaart?weergave=aantal_jaren")
    svg = page.locator("svg.kaart")
    assert svg.is_visible() and svg.locator("circle.dot").count() > 300
    legend = page.locator("ul.jaren-legenda")
    assert legend.is_visible() and "Elk jaar" in legend.inner_text() and "Nooit een inzending" in legend.inner_text()
    fills = {svg.locator(f"circle.dot.jaren-{n}").first.evaluate("e => getComputedStyle(e).fill")
             for n in range(0, 7) if svg.locator(f"circle.dot.jaren-{n}").count()}
    assert len(fills) >= 4, "the number of years is told apart by colour"
    page.screenshot(path=str(ARTIFACTS / "kaart-aantal-jaren.png"), full_page=False)


def suggestions(page, search, typed: str) -> dict:
    """value -> label of the datalist options static/gemeente-zoeken.js offers for `typed`."""
    search.fill("")
    search.type(typed)
    page.wait_for_function("t => [...document.querySelectorAll('datalist option')].length > 0 && "
                           "document.activeElement.value === t", arg=typed)
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('datalist option')]"
                         ".map(o => [o.value, o.label]))")


def test_which_municipalities_of_a_province_took_part_by_typing_and_clicking(page, site):
    """The reader's task from the home page: 'Gelderland' → the province page → who took part in
    2024; 'Utreht' → 'Bedoelde u Utrecht?' → Utrecht's page; aliases offered while typing."""
    page.goto(site.url + "/")
    search = page.get_by_label("Zoek een gemeente (naam of CBS-code)")
    # an alias is offered with its official name ('den bosch' and the rest: /gemeenten.json, test_site_provincie.py)
    official = query(site, "select naam from gemeenten where gemeente_code = 'GM0518'")[0]["naam"]
    offered = suggestions(page, search, "den haag")
    assert offered.get("Den Haag", "").startswith(official), offered
    assert "provincie Gelderland" in suggestions(page, search, "Gelderland")
    search.press("Enter")
    page.wait_for_url("**/provincie/gelderland")
    assert page.locator("h1").inner_text() == "Provincie Gelderland"
    assert_banner_visible(page)
    took_part = set(page.evaluate("""() => [...document.querySelectorAll('table.provincie-gemeenten tbody tr')]
        .filter(tr => tr.querySelector('td[data-jaar="2024"]').innerText.startsWith('ja'))
        .map(tr => tr.querySelector('th a').innerText)"""))
    expected = {r["naam"] for r in query(site, """select g.naam from deelname d join gemeenten g using (gemeente_code)
        where d.jaar = 2024 and d.deelgenomen = 1 and g.provincie = 'Gelderland'""")}
    assert took_part == expected and len(expected) > 5
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "provincie-gelderland-390.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site.url + "/")
    search = page.get_by_label("Zoek een gemeente (naam of CBS-code)")
    search.fill("Utreht")
    search.press("Enter")
    meant = page.locator("p.bedoeld").first
    assert "Bedoelde u Utrecht?" in meant.inner_text()
    meant.get_by_role("link", name="Utrecht", exact=True).click()
    code = query(site, "select gemeente_code from gemeenten where naam = 'Utrecht'")[0]["gemeente_code"]
    page.wait_for_url(f"**/gemeente/{code}")
    assert page.locator("h1").inner_text() == "Utrecht"

"""What a person sees, in Debian's Chromium driven by Playwright, against the real server.

Every page must load without a single request to another host (no CDN, fonts or tiles),
without console errors and without JavaScript errors. Screenshots: tests/artifacts/*.png.
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
BANNER_TEXT = "Let op: dit zijn synthetische demodata."

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (/usr/bin/chromium); `make test` installs it")


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "about", "blob"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium  # one browser for the session (conftest.py)


@pytest.fixture
def page(browser, site):
    """A fresh page that records every problem: foreign requests, console errors, page errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("request", lambda r: None if is_loopback(r.url) else problems.append(f"request to another host: {r.url}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    # a blocked inline script or style is a console error too; this names the directive
    pg.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                       "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    pg.problems = problems
    yield pg
    context.close()
    assert not problems, problems


def open_page(page, site, path: str, name: str):
    response = page.goto(site.url + path, wait_until="load")
    assert response is not None and response.status == 200, path
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
    return response


def assert_banner_visible(page):
    banner = page.locator(".synthetisch-banner")
    assert banner.is_visible()
    assert BANNER_TEXT in banner.inner_text()
    assert "niet de antwoorden van echte gemeenten" in banner.inner_text()


def test_home_page(page, site):
    open_page(page, site, "/", "home")
    assert_banner_visible(page)
    assert page.locator("h1").first.is_visible()
    search = page.get_by_label("Zoek een gemeente (naam of CBS-code)")
    assert search.is_visible()
    for link in ("Gemeenten", "Vragen en trends", "Kaart van de deelname"):
        assert page.get_by_role("link", name=link).first.is_visible(), link
    assert page.get_by_role("heading", name="Downloads").is_visible()
    # the search box suggests names as you type (static/gemeente-zoeken.js fills a datalist)
    search.type("fryslan")
    page.wait_for_function("() => document.querySelectorAll('datalist option').length > 0")
    suggestions = page.evaluate("() => [...document.querySelectorAll('datalist option')].map(o => o.value)")
    assert "Súdwest-Fryslân" in suggestions and "Noardeast-Fryslân" in suggestions
    # a name with the wrong accents that matches one municipality goes straight to its page
    search.fill("sudwest fryslan")
    search.press("Enter")
    page.wait_for_url("**/gemeente/GM1900")
    assert page.locator("h1").inner_text() == "Súdwest-Fryslân"
    assert_banner_visible(page)


def test_municipality_page(page, site):
    open_page(page, site, "/gemeente/GM0603", "gemeente")
    assert_banner_visible(page)
    assert page.locator("h1").inner_text() == "Rijswijk (ZH.)"
    assert page.locator("table.deelname").is_visible()
    charts = page.locator(".vergelijk")
    assert charts.count() > 100
    # the per-year detail is collapsed below the overview: open the latest year
    page.locator("details.jaar-details > summary").first.click()
    first = charts.first
    first.scroll_into_view_if_needed()
    assert first.is_visible()
    box = first.bounding_box()
    assert box["width"] > 200 and box["height"] > 20
    labels = first.locator(".lbl").all_text_contents()
    assert labels == ["provincie Zuid-Holland", "Nederland"]
    assert first.locator(".balk").count() == 2
    assert "%" in first.locator(".num").first.text_content()
    assert "Zuid-Holland" in first.get_attribute("aria-label")
    page.screenshot(path=str(ARTIFACTS / "gemeente-antwoorden.png"), full_page=False)


def test_factsheet_prints_on_a4(page, site):
    open_page(page, site, "/gemeente/GM0603/factsheet", "factsheet")
    assert_banner_visible(page)
    page.emulate_media(media="print")
    assert not page.locator("header").first.is_visible(), "no navigation on paper"
    assert page.locator(".synthetisch-banner").is_visible(), "the banner is printed too"
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"the factsheet takes {pages} A4 pages"
    (ARTIFACTS / "factsheet.pdf").write_bytes(pdf)


def test_question_chart_page(page, site):
    open_page(page, site, "/vraag/meldpunt", "vraag-meldpunt")
    assert_banner_visible(page)
    chart = page.locator("svg.trend").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    row_labels = chart.locator("text.lbl").all_text_contents()
    assert "2024 · alle" in row_labels and "2022 · vast panel" in row_labels
    segments = chart.locator("g.seg rect")
    assert segments.count() >= 10
    assert segments.first.bounding_box()["width"] > 10
    assert any(t.endswith("%") for t in chart.locator("text.in").all_text_contents())
    # the break between 2023 and 2024 is drawn and labelled
    breuk = chart.locator("g.breuk:not(.onzeker)")
    assert breuk.count() == 1 and breuk.is_visible()
    assert "2024 niet vergelijkbaar met 2023" in breuk.text_content()
    uncertain = chart.locator("g.breuk.onzeker")  # 2023: the programme widened its target group
    assert uncertain.is_visible() and "2023 mogelijk niet vergelijkbaar met 2022" in uncertain.text_content()
    legend = page.locator("ul.legenda").first
    assert legend.is_visible() and legend.inner_text().split() == ["Ja", "Nee"]
    assert page.locator("table.cijfers").first.is_visible()
    page.locator("svg.trend").first.screenshot(path=str(ARTIFACTS / "vraag-meldpunt-grafiek.png"))


def test_map(page, site):
    open_page(page, site, "/kaart?jaar=2024", "kaart-2024")
    assert_banner_visible(page)
    svg = page.locator("svg.kaart")
    assert svg.is_visible()
    dots = svg.locator("circle.dot")
    assert dots.count() > 100
    visible = sum(1 for i in range(0, dots.count(), 25) if dots.nth(i).is_visible())
    assert visible == len(range(0, dots.count(), 25))
    legend = page.locator("ul.kaart-legenda")
    assert legend.is_visible()
    text = legend.inner_text()
    assert "Deelgenomen" in text and "Niet deelgenomen" in text and "vaste panel" in text
    # dots differ in colour by status
    fills = {svg.locator(f"circle.dot.{cls}").first.evaluate("e => getComputedStyle(e).fill")
             for cls in ("panel", "deelgenomen", "niet")}
    assert len(fills) == 3
    # a year link switches the map
    page.get_by_role("link", name="2019", exact=True).click()
    page.wait_for_url("**/kaart?jaar=2019")
    assert page.locator("h1").inner_text().endswith("2019")
    page.screenshot(path=str(ARTIFACTS / "kaart-2019.png"), full_page=False)


def test_datasette_table_page(page, site):
    open_page(page, site, "/benchmark/gemeenten", "tabel-gemeenten")
    assert_banner_visible(page)
    link = page.locator("td.col-gemeente_code a.gemeente-link").first
    assert link.is_visible()
    link.click()
    page.wait_for_url("**/gemeente/GM*")
    assert page.locator("h1").is_visible()


CSP_PAGES = {"home": "/", "tabel": "/benchmark/inzendingen", "rij": "/benchmark/gemeenten/GM0603",
             "sql": "/benchmark?sql=select+gemeente_code,+naam+from+gemeenten+limit+5",
             "canned": "/benchmark/vraag_door_de_jaren?vraag_id=meldpunt", "database": "/benchmark", "gemeente": "/gemeente/GM0603",
             "factsheet": "/gemeente/GM0603/factsheet", "vraag": "/vraag/meldpunt", "kaart": "/kaart", "over": "/over",
             "kaart-jaren": "/kaart?weergave=aantal_jaren",
             "fout": "/benchmark/inzendingen?_sort=bestaat_niet",
             # a runaway query's page; stopped at 50 ms (Datasette's _timelimit can only lower the served
             # limit, whose 3 s test_site_security.py proves)
             "traag": "/benchmark?sql=with+recursive+c(x)+as+(select+1+union+all+select+x%2B1+from+c)+select+count(*)+from+c"
                      "&_timelimit=50"}


@pytest.mark.parametrize("name", CSP_PAGES)
def test_pages_work_under_the_content_security_policy(page, site, name):
    """No CSP violation in the console (the `page` fixture fails on any console error), and the
    scripts that replaced Datasette's inline ones still do their work."""
    path = CSP_PAGES[name]
    response = page.goto(site.url + path, wait_until="load")
    assert response.status == (400 if name in ("fout", "traag") else 200)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert_banner_visible(page)
    if name == "tabel":  # table.js and table-settings.js: the column menu offers a facet
        assert page.evaluate("() => window.DATASETTE_ALLOW_FACET") is True
        page.locator("th.col-respons_id .dropdown-menu-icon").click()
        assert page.locator(".dropdown-menu a.dropdown-facet").is_visible()
    if name in ("sql", "database"):  # codemirror-foot.js turned the textarea into an editor
        page.locator(".CodeMirror").wait_for()
    if name == "home":  # close-open-menus.js: a click outside closes an open <details>
        page.evaluate("() => { const d = document.createElement('details'); d.id = 'x'; d.open = true; "
                      "d.innerHTML = '<summary>s</summary>'; document.body.appendChild(d); }")
        page.locator("h1").first.click()
        assert page.evaluate("() => document.getElementById('x').open") is False
    if name in ("fout", "traag"):  # the browser logs the 400 status itself; that is not a problem here
        page.problems[:] = [p for p in page.problems if "status of 400" not in p]


# ------------------------------------------------------------------ downloads and "Over deze data"

def _download(page, link, folder: Path) -> Path:
    with page.expect_download() as info:
        link.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(str(target))
    return target


def test_every_format_downloads_from_the_download_page_and_opens(page, site, tmp_path):
    """As a person does it: click the links in the download table of the home page, open the files."""
    import io
    import json
    import sqlite3
    import zipfile

    import pandas as pd

    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    rows = conn.execute("select count(*) from gemeenten").fetchone()[0]
    conn.close()
    open_page(page, site, "/#downloads", "downloads")
    table = page.locator("table.downloads")

    csv_file = _download(page, table.locator('a[href$="/csv/gemeenten.csv"]'), tmp_path)
    assert csv_file.name == "gemeenten.csv"
    frame = pd.read_csv(csv_file, dtype=str, keep_default_na=False)
    assert len(frame) == rows and frame.columns[0] == "gemeente_code"

    parquet_file = _download(page, table.locator('a[href$="/parquet/gemeenten.parquet"]'), tmp_path)
    assert len(pd.read_parquet(parquet_file)) == rows

    xlsx_file = _download(page, table.locator('a[href$="/xlsx/gemeenten.xlsx"]'), tmp_path)
    assert len(pd.read_excel(xlsx_file, sheet_name=0)) == rows  # Dutch Excel: no CSV separator trouble
    wide = _download(page, table.locator('a[href$="/xlsx/antwoorden_breed.xlsx"]'), tmp_path)
    assert {"gemeente_code", "jaar", "synthetisch"} <= set(pd.read_excel(wide, sheet_name=0).columns)

    datasette_csv = _download(page, table.locator('a[href*="/gemeenten.csv?"]'), tmp_path)
    assert len(pd.read_csv(datasette_csv, dtype=str)) == rows

    zip_file = _download(page, page.locator('a[href$="/benchmark-eenzaamheid.zip"]').first, tmp_path)
    with zipfile.ZipFile(zip_file) as z:
        package = json.loads(z.read("datapackage.json"))
        assert "README.md" in z.namelist() and "CITATION.cff" in z.namelist()
        assert len(pd.read_csv(io.BytesIO(z.read("csv/gemeenten.csv")), dtype=str)) == rows

    with page.expect_navigation() as nav:  # JSON opens in the browser
        table.locator('a[href$="/json/gemeenten.json"]').click()
    assert nav.value.headers["content-type"].startswith("application/json")
    assert len(pd.read_json(io.BytesIO(nav.value.body()), dtype=False)) == rows

    page.goto(site.url + "/bestanden/datapackage.json")
    assert json.loads(page.locator("body").inner_text())["version"] == package["version"]


@pytest.mark.parametrize("width", [390, 1280])
def test_downloads_for_people_are_on_the_first_screen_and_say_what_the_database_says(page, site, width, tmp_path):
    """The home page's Downloads block starts within the first screen (390 and 1280 px wide); its 2024
    link gives the workbook in words: one municipality's answer is the database's, under the question."""
    import sqlite3

    import pandas as pd

    page.set_viewport_size({"width": width, "height": 844})
    open_page(page, site, "/", f"home-downloads-{width}")
    block = page.locator("section.downloads-mensen")
    top = block.bounding_box()["y"]
    assert top < 844, f"the Downloads block starts at y={top}px, below the first screen"
    link = block.get_by_role("link", name="Alle antwoorden van 2024 als spreadsheet (Excel)")
    assert re.search(r"\(\d+,\d kB\)", link.locator("xpath=..").inner_text())  # size in Dutch: 59,6 kB
    if width != 1280:
        return
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    code, wording, label = conn.execute(
        "select a.gemeente_code, coalesce(nullif(v.formulering, ''), q.onderwerp), o.label "
        "from antwoorden a join vraagversies v on v.vraag_id = a.vraag_id and v.jaar = a.jaar "
        "join vragen q on q.vraag_id = a.vraag_id join antwoordopties o on o.vraag_id = a.vraag_id "
        "and o.item_code = a.item_code and o.optie_code = a.optie_code "
        "where a.jaar = 2024 and a.vraag_id = 'week_deelname' order by a.gemeente_code desc limit 1").fetchone()
    conn.close()
    workbook = _download(page, link, tmp_path)
    sheet = pd.read_excel(workbook, sheet_name="Antwoorden 2024", dtype=str)
    row = sheet[sheet.iloc[:, 1] == code]
    assert len(row) == 1 and row[" ".join(wording.split())].item() == label


@pytest.mark.parametrize("width", [390, 1280])
def test_over_page(browser, site, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="nl-NL")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("request", lambda r: None if is_loopback(r.url) else problems.append(f"request to another host: {r.url}"))
    try:
        response = pg.goto(site.url + "/", wait_until="load")
        assert response.status == 200
        pg.get_by_role("link", name="Over deze data").first.click()
        pg.wait_for_url("**/over")
        assert pg.locator("h1").inner_text() == "Over deze data"
        assert_banner_visible(pg)
        citation = pg.locator("blockquote.citaat")
        citation.scroll_into_view_if_needed()
        assert citation.is_visible() and "versie " in citation.inner_text()
        assert pg.get_by_role("heading", name="Wat is er veranderd").is_visible()
        overflow = pg.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the screen"
        ARTIFACTS.mkdir(exist_ok=True)
        pg.goto(site.url + "/over", wait_until="load")
        pg.screenshot(path=str(ARTIFACTS / f"over-{width}.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems

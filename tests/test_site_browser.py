"""What a person sees, in Debian's Chromium driven by Playwright, against the real server.

Every page must load without a single request to another host (no CDN, fonts or tiles),
without console errors and without JavaScript errors. Screenshots: tests/artifacts/*.png.
"""
from __future__ import annotations

import ipaddress
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_site_a11y import ENGLISH, ENGLISH_TEXT
from test_site_catalog import query

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
    # every visible piece of text prints at 8pt (10.67 CSS px) or more, the "breuk" tags too
    sizes = page.evaluate("""() => {
        const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            const text = n.textContent.trim(), el = n.parentElement, box = el.getBoundingClientRect();
            if (!text || !box.width || !box.height || getComputedStyle(el).visibility !== 'visible') continue;
            out.push([parseFloat(getComputedStyle(el).fontSize), el.className, text.slice(0, 40)]);
        }
        return out; }""")
    assert len(sizes) > 100 and any(cls.startswith("breuk-teken") for _px, cls, _t in sizes)
    small = [s for s in sizes if s[0] < 8 * 96 / 72 - 0.01]
    assert not small, f"{len(small)} of {len(sizes)} text pieces print under 8pt: {small[:5]}"


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
    # the numbers as a table, folded under the chart
    table = page.locator("details.cijfers-tabel table.cijfers").first
    assert not table.is_visible()
    page.locator("details.cijfers-tabel > summary").first.click()
    assert table.is_visible()
    page.locator("svg.trend").first.screenshot(path=str(ARTIFACTS / "vraag-meldpunt-grafiek.png"))


SHOWN = ("alle_respondenten", "vast_panel_2022_2024")
# everything drawn in the charts, measured as rendered: font size x the SVG's scale, boxes in CSS px
CHART_METRICS = """() => {
    const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; };
    const px = t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b);
    return {
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        charts: document.querySelectorAll('svg.trend').length,
        boxes: [...document.querySelectorAll('figure.grafiek, figure.grafiek > *, p.cijfers-download, details.cijfers-tabel')]
            .map(e => ({cls: e.className.baseVal ?? e.className, scroll: e.scrollWidth, client: e.clientWidth, ...box(e)})),
        texts: [...document.querySelectorAll('svg.trend text')].map(t => ({text: t.textContent, px: px(t), ...box(t)})),
        markers: [...document.querySelectorAll('svg.trend g.breuk text')].map(t => ({text: t.textContent, ...box(t)})),
    };
}"""


def charted_questions(site) -> dict:
    """vraag_id -> (number of charts, whether a comparability marker is drawn), from the database:
    a chart per item with shares, a marker for a break after the question's first charted year."""
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    try:
        found = conn.execute(f"""
            with charted as (select vraag_id, count(distinct item_code) as charts, min(jaar) as eerste
                             from aandelen where populatie in {SHOWN} group by vraag_id)
            select vraag_id, charts, exists(select 1 from vraagversies w where w.vraag_id = c.vraag_id
                   and w.jaar > c.eerste and w.vergelijkbaar_met_vorig_jaar in ('nee', 'onzeker'))
            from charted c""").fetchall()
    finally:
        conn.close()
    return {vraag_id: (n, bool(marked)) for vraag_id, n, marked in found}


def assert_charts_readable(metrics, width: int, where: str):
    small = [(t["text"], round(t["px"], 1)) for t in metrics["texts"] if t["px"] < 12 - 0.01]
    assert metrics["texts"] and not small, (where, width, small)


# The next question page's <main> in place of the current one: the same page around it, style
# sheets and width, without a navigation per page (18 navigations cost ~3 s more on a busy machine).
SWAP_MAIN = """async path => {
    const fresh = new DOMParser().parseFromString(await (await fetch(path)).text(), 'text/html');
    document.body.className = fresh.body.className;
    document.querySelector('main').replaceWith(document.adoptNode(fresh.querySelector('main')));
}"""


def test_every_question_chart_fits_a_phone_with_12px_text(page, site):
    """At 390 px every question page's charts fit without sideways scrolling, the comparability
    marker stays on screen; at 390 and 1280 px every chart text is drawn at 12 px or more."""
    questions = charted_questions(site)
    assert len(questions) > 10 and any(marked for _, marked in questions.values())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site.url}/vraag/coalitie", wait_until="load")
    for vraag_id, (charts, marked) in questions.items():
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate(SWAP_MAIN, f"/vraag/{vraag_id}")
        m = page.evaluate(CHART_METRICS)
        assert m["charts"] == charts, vraag_id
        assert m["overflow"] <= 0, (vraag_id, f"the page scrolls {m['overflow']} px sideways")
        wide = [b for b in m["boxes"] if b["scroll"] > b["client"] or b["left"] < 0 or b["right"] > 390]
        assert not wide, (vraag_id, wide)
        outside = [t["text"] for t in m["texts"] if t["left"] < 0 or t["right"] > 390]
        assert not outside, (vraag_id, outside)
        assert bool(m["markers"]) == marked, vraag_id
        assert all("vergelijkbaar met" in t["text"] for t in m["markers"]), vraag_id
        assert_charts_readable(m, 390, vraag_id)
        if vraag_id == "coalitie":
            page.locator("svg.trend").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "vraag-coalitie-390.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
        assert_charts_readable(page.evaluate(CHART_METRICS), 1280, vraag_id)


def test_map_points_are_24px_tap_targets_on_a_phone(page, site):
    """WCAG 2.2, 2.5.8: every dot of the map has a hit area of 24 x 24 CSS px or more at 390 px,
    and a tap beside a dot picks the nearest municipality (static/kaart.js)."""
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, site, "/kaart", "kaart-390")
    dot = page.locator("svg.kaart circle.dot").nth(40)
    dot.scroll_into_view_if_needed()
    m = page.evaluate("""() => {
        const centre = e => { const r = e.getBoundingClientRect();
                              return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}; };
        return {dots: [...document.querySelectorAll('svg.kaart a circle.dot')].map(c => ({
                    ...centre(c), name: c.querySelector('title').textContent})),
                hits: [...document.querySelectorAll('svg.kaart circle.raak')].map(centre)}; }""")
    assert len(m["dots"]) > 300 and len(m["hits"]) == len(m["dots"])
    hits = {(round(h["x"]), round(h["y"])): h for h in m["hits"]}
    for d in m["dots"]:
        h = hits.get((round(d["x"]), round(d["y"])))
        assert h is not None and h["w"] >= 24 and h["h"] >= 24, (d["name"], h)
    # 10 px right of the 41st dot: the dot nearest to that point, whichever it is
    x, y = round(m["dots"][40]["x"] + 10), round(m["dots"][40]["y"])  # a click's clientX/Y are whole pixels
    nearest = min(m["dots"], key=lambda d: (d["x"] - x) ** 2 + (d["y"] - y) ** 2)
    page.mouse.click(x, y)
    info = page.locator("#kaart-info")
    info.wait_for(state="visible")
    assert info.locator("p").inner_text() == nearest["name"]
    assert page.url.endswith("/kaart")


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
    assert "Deelgenomen" in text and "Geen inzending" in text and "vaste panel" in text
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


def assert_in_viewport(page, selector: str):
    """The element's top edge is on the screen the reader sees now (not below or above it)."""
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and 0 <= box["y"] < height, f"{selector} at y={box and box['y']:.0f}, screen {height} px"


def english_left(page) -> list[str]:
    text = page.evaluate(ENGLISH_TEXT)
    return [w for w in ENGLISH + TABLE_ENGLISH if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", text)]


# Datasette's English table, row and query chrome beyond test_site_a11y.ENGLISH (whole words)
TABLE_ENGLISH = ["Link", "rows", "row", "Next page", "facet", "facets", "sort", "JSON shape", "records", "Filters",
                 "KB", "array", "date"]


def test_table_pages_show_their_data_on_the_first_screen_and_stay_there(page, site):
    """antwoorden: the first row on the first screen at 1280 and 390 px, the column descriptions
    behind a closed toggle, "Toepassen" lands at the results, every word Dutch."""
    columns = [r[1] for r in query(site, "select * from pragma_table_info('antwoorden')")]
    open_page(page, site, "/benchmark/antwoorden", "tabel-antwoorden-1280")
    assert_in_viewport(page, "table.rows-and-columns tbody tr")
    page.set_viewport_size({"width": 390, "height": 844})  # the same page on a phone: relaid, not reloaded
    page.screenshot(path=str(ARTIFACTS / "tabel-antwoorden-390.png"))
    assert_in_viewport(page, "table.rows-and-columns tbody tr")
    toggle = page.locator("details.over-kolommen")
    assert toggle.evaluate("d => d.open") is False and not page.locator("dl.column-descriptions dt").first.is_visible()
    toggle.locator("summary").click()
    assert page.locator("dl.column-descriptions dt").all_inner_texts() == columns
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "long column names widen the page"
    page.set_viewport_size({"width": 1280, "height": 900})
    assert english_left(page) == []

    year, count = query(site, "select jaar, count(*) from antwoorden group by jaar order by 2 desc limit 1")[0]
    page.select_option("select[name=_filter_column]", "jaar")
    page.fill("input[name=_filter_value]", str(year))
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_url("**#resultaten")
    assert_in_viewport(page, "table.rows-and-columns tbody tr")
    assert page.locator("h2.aantal-rijen").inner_text().startswith(f"{count:,} rijen".replace(",", "."))
    assert english_left(page) == []

    page.locator("table.rows-and-columns tbody tr td a").first.click()  # the row's page
    page.wait_for_url("**/antwoorden/*")
    assert page.locator("h1").inner_text().startswith("antwoorden: ")
    assert english_left(page) == []
    page.goto(site.url + "/benchmark/vraag_door_de_jaren?vraag_id=meldpunt", wait_until="load")  # a query page
    assert_in_viewport(page, "table.rows-and-columns tbody tr")
    assert english_left(page) == []


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


def test_the_quality_report_fits_a_phone(page, site):
    """The published quality report (templates/rapporten/kwaliteit.html) at 390 px: the page does not
    scroll sideways (wide tables scroll in their own box) and it says the data are synthetic."""
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, site, "/bestanden/kwaliteitsrapport.html", "kwaliteitsrapport-390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert "synthetische demodata" in page.locator("#synthetisch").inner_text()
    assert page.locator("table").count() == page.locator(".scroll > table").count()


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


NUMBERS = ("Aantal gemeenten met dit antwoord", "Basis (gemeenten die de vraag beantwoordden)", "Percentage van de basis")


def test_a_charts_numbers_download_as_csv_and_excel(page, site, tmp_path):
    """As a person does it: under a chart of a matrix question, open 'Cijfers als tabel' and click
    'Download deze cijfers' (CSV, Excel). Both files hold exactly the table's numbers, which are
    the database's (view aandelen), and say first that the data are synthetic and where they are from."""
    import sqlite3

    import openpyxl
    import pandas as pd

    from eenzaamheid.site.common import POPULATION_LABELS, POPULATION_SHORT

    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    vraag_id = conn.execute("select vraag_id from aandelen join vragen using (vraag_id) where type = 'matrix' "
                            "group by vraag_id having count(distinct item_code) > 1 order by vraag_id").fetchone()[0]
    open_page(page, site, f"/vraag/{vraag_id}", "vraag-download")
    section = page.locator("section.item").nth(1)  # the second chart: one item's numbers
    item_code = section.get_attribute("id").removeprefix("item-")
    expected = {(jaar, POPULATION_LABELS[pop], label): (aantal, basis, percentage)
                for jaar, pop, label, aantal, basis, percentage in conn.execute(
                    f"""select jaar, populatie, label, aantal, basis, percentage from aandelen
                        where vraag_id = ? and item_code = ? and populatie in {SHOWN}""", [vraag_id, item_code])}
    item_label = conn.execute("select distinct item_label from aandelen where vraag_id = ? and item_code = ?",
                              [vraag_id, item_code]).fetchone()[0]
    conn.close()

    section.locator("details.cijfers-tabel > summary").click()
    table = section.locator("table.cijfers")
    assert table.is_visible()
    cells = table.evaluate("""t => { const heads = [...t.tHead.rows[0].cells].map(c => c.textContent.trim());
        return [...t.tBodies[0].rows].flatMap(r => { const c = [...r.cells].map(x => x.textContent.trim());
            return heads.slice(2, -1).map((h, i) => [c[0].split(' ')[0], c[1], h, c[2 + i], c.at(-1)]); }); }""")
    by_short = {POPULATION_SHORT[p]: POPULATION_LABELS[p] for p in SHOWN}
    shown = {}
    for jaar, pop, label, cell, basis in cells:
        if cell != "–":
            aantal, share = cell.split(" (")
            shown[(int(jaar), by_short[pop], label)] = (int(aantal), int(basis), float(share[:-2].replace(",", ".")))
    assert shown == expected

    csv_file = _download(page, section.get_by_role("link", name="CSV", exact=True), tmp_path)
    xlsx_file = _download(page, section.get_by_role("link", name="Excel", exact=True), tmp_path)
    assert csv_file.name == f"{vraag_id}-{item_code}-cijfers.csv" and xlsx_file.suffix == ".xlsx"
    raw = csv_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    lines = raw.decode("utf-8-sig").splitlines()
    preamble = lines[:lines.index("")]
    assert "synthetische demodata" in preamble[1] and f"/vraag/{vraag_id}" in preamble[-1]

    def numbers(frame):
        assert set(frame["Onderdeel"]) == {item_label}
        return {(r["Jaar"], r["Populatie"], r["Antwoord"]): tuple(r[c] for c in NUMBERS) for _, r in frame.iterrows()}

    frame = pd.read_csv(csv_file, sep=";", encoding="utf-8-sig", decimal=",", skiprows=len(preamble) + 1)
    assert len(frame) == len(expected) and numbers(frame) == expected
    sheet = pd.read_excel(xlsx_file, sheet_name=0, skiprows=len(preamble) + 1)
    assert len(sheet) == len(expected) and numbers(sheet) == expected

    ws = openpyxl.load_workbook(xlsx_file, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[:len(preamble)]] == [line.strip('"') for line in preamble]
    header = rows[len(preamble) + 1]
    typed = [dict(zip(header, r)) for r in rows[len(preamble) + 2:]]
    assert {(r["Jaar"], r["Populatie"], r["Antwoord"]): tuple(r[c] for c in NUMBERS) for r in typed} == expected
    assert all(isinstance(r[c], float | int) for r in typed for c in NUMBERS), "numbers as numbers, not text"

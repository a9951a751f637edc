"""Every page type for everyone: accessible (axe-core, WCAG 2.1 A and AA), usable on a phone
(nothing scrolls sideways at 390 px, no text smaller than 12 CSS px), Dutch throughout (no
English Datasette chrome left), in Debian's Chromium driven by Playwright.

axe-core comes from npm (package.json + package-lock.json, `make node-deps`), injected from the
local file into every page of the test's browser contexts: no CDN. One browser for the module, one reused page per viewport width, and each (page, width) visited
once: its measurements are shared by the tests that check them.
Screenshots at both widths: tests/artifacts/a11y-<page>-<width>.png.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = {"mobiel": {"width": 390, "height": 844}, "breed": {"width": 1280, "height": 800}}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MIN_FONT_PX = 12

# Every page type; /over is another engineer's page and is checked once it exists.
PAGES = {
    "home": "/",
    "tabel": "/benchmark/inzendingen?_sort=inzending_id&jaar=2024&_size=30",
    "rij": "/benchmark/gemeenten/GM0603",
    "database": "/benchmark",
    "sql": "/benchmark?sql=select+naam,+gemeente_code+from+gemeenten+limit+3",
    "canned": "/benchmark/vraag_door_de_jaren?vraag_id=meldpunt",
    "canned-gemeente": "/benchmark/gemeente_naast_provincie_en_land?gemeente=Den+Haag&jaar=2024",
    "zoek-tekst": "/benchmark/zoek_in_toelichtingen?zoekterm=gemeente%27s",
    "vraag": "/vraag/coalitie",
    "vragen": "/vragen",
    "gemeente": "/gemeente/GM0344",
    "factsheet": "/gemeente/GM0344/factsheet",
    "kaart": "/kaart",
    "zoeken": "/gemeente?q=berg",
    "gemeenten": "/gemeente",
    "over": "/over",
    "wijzigingen": "/wijzigingen",
    "kaart-jaren": "/kaart?weergave=aantal_jaren",
    "deelname": "/benchmark/deelname_per_gemeente?elk_jaar=1",
    "opvolger": "/gemeente/GM1982",
    "provincie": "/provincie/noord-brabant",  # with merged municipalities ('ja (als …)')
    "404": "/bestaat-niet",
    "fout": "/benchmark/inzendingen?_sort=bestaat_niet",
}
OPTIONAL = {"over"}
STATUS = {"404": 404, "fout": 400}

# Datasette 0.65's English chrome (templates and Python) that must not reach a reader.
ENGLISH = ["rows where", "Apply", "View and edit SQL", "Custom SQL query", "returning", "Run SQL",
           "This data as", "Powered by", "Data license", "Data source", "Advanced export", "Next page",
           "Suggested facets", "CSV options", "download file", "expand labels", "stream all rows",
           "Export CSV", "Query parameters", "Edit SQL", "Format SQL", "hide", "show", "Search:",
           "remove filter", "- column -", "Sort by", "descending", "Links from other tables",
           "0 results", "0 records", "Error", "sorted by", "Table actions", "Queries took", "About:",
           "contains", "starts with", "is null", "home", "Sort ascending", "Many rows", "Tables", "Views"]

SMALLEST_TEXT = """() => {
  let min = Infinity, where = '';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest('title, script, style, template, noscript')) continue;
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;   // visually hidden (skip link, screen-reader text)
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement && el.getScreenCTM) {  // text in a scaled SVG: its drawn size
      const m = el.getScreenCTM(); size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    if (size < min) { min = size; where = el.tagName + '.' + (el.getAttribute('class') || '') + ': ' + node.textContent.trim().slice(0, 40); }
  }
  return [min, where];
}"""


pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed: run `make node-deps` (npm ci)"),
]


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium  # one browser for the session (conftest.py)


@pytest.fixture(scope="module")
def tabs(browser):
    """One page per width, reused by every test of the module."""
    out = {}
    for name, viewport in WIDTHS.items():
        # bypass_csp: axe is injected as an inline script, which the site's CSP rightly refuses
        # (test_site_browser.py checks the pages under the CSP)
        context = browser.new_context(viewport=viewport, locale="nl-NL", is_mobile=name == "mobiel",
                                      has_touch=name == "mobiel", bypass_csp=True)
        # axe in every page of the context before the page's own scripts: compiled once and taken
        # from V8's cache afterwards, not parsed again per page (~0.1 s each); it adds nothing to
        # the DOM until it runs
        context.add_init_script(path=str(AXE))
        out[name] = context.new_page()
    yield out
    for pg in out.values():
        pg.context.close()


def visit(tabs, site, name: str, width: str):
    pg = tabs[width]
    response = pg.goto(site.url + PAGES[name], wait_until="load")
    if name in OPTIONAL and response.status == 404:
        pytest.skip(f"{PAGES[name]} does not exist on this branch yet")
    assert response.status == STATUS.get(name, 200), PAGES[name]
    return pg


ENGLISH_TEXT = ("() => document.title + '\\n' + document.body.innerText + '\\n' + "
                "[...document.querySelectorAll('input[type=submit], button, select option')]"
                ".map(e => e.tagName === 'INPUT' ? e.value : e.textContent).join('\\n')")
# resultTypes: only the violations are collected in full (much faster on the long pages)
AXE_RUN = ("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
           "resultTypes: ['violations']})")


@pytest.fixture(scope="module")
def measured(tabs, site):
    """What the parametrized tests check, measured in ONE visit per (page, width): the screenshot,
    the scroll width, the smallest text, axe's violations and (wide only) the page's text. A later
    test of the same (page, width) asserts on the stored results instead of loading it again."""
    cache: dict[tuple[str, str], dict] = {}

    def get(name: str, width: str) -> dict:
        if (name, width) not in cache:
            cache[(name, width)] = _measure(tabs, site, name, width)
        result = cache[(name, width)]
        if "skip" in result:
            pytest.skip(result["skip"])
        if "status" in result:  # the same assertion as a fresh visit would make
            assert result["status"] == STATUS.get(name, 200), PAGES[name]
        return result

    return get


def _measure(tabs, site, name: str, width: str) -> dict:
    pg = tabs[width]
    response = pg.goto(site.url + PAGES[name], wait_until="load")
    if name in OPTIONAL and response.status == 404:
        return {"skip": f"{PAGES[name]} does not exist on this branch yet"}
    if response.status != STATUS.get(name, 200):
        return {"status": response.status}
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{WIDTHS[width]['width']}.png"), full_page=False)
    result = {"scroll_width": pg.evaluate("() => document.documentElement.scrollWidth"),
              "smallest": pg.evaluate(SMALLEST_TEXT)}
    if width == "breed":
        result["text"] = pg.evaluate(ENGLISH_TEXT)
    result["axe"] = pg.evaluate(AXE_RUN, WCAG_TAGS)
    return result


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen_and_text_is_readable(measured, name, width):
    result = measured(name, width)  # its screenshot: tests/artifacts/a11y-<page>-<width>.png
    # against the device width: a mobile browser widens its layout viewport to fit what overflows
    viewport = WIDTHS[width]["width"]
    scroll_width = result["scroll_width"]
    assert scroll_width <= viewport, f"{PAGES[name]} scrolls sideways at {viewport} px: {scroll_width} px wide"
    smallest, where = result["smallest"]
    assert smallest >= MIN_FONT_PX - 0.05, f"{PAGES[name]} at {viewport} px: text of {smallest:.1f} px ({where})"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag21_aa_violations(measured, name, width):
    result = measured(name, width)["axe"]
    violations = [f"{v['id']} ({v['impact']}): {v['help']} — "
                  + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3]) for v in result["violations"]]
    assert not violations, f"{PAGES[name]} at {WIDTHS[width]['width']} px:\n" + "\n".join(violations)


@pytest.mark.parametrize("name", PAGES)
def test_no_english_datasette_chrome(measured, name):
    text = measured(name, "breed")["text"]
    found = [p for p in ENGLISH if re.search(r"(?<![\w-])" + re.escape(p) + r"(?![\w-])", text)]
    assert not found, f"{PAGES[name]}: English left: {found}"


def test_keyboard_skip_link_and_visible_focus(tabs, site):
    pg = visit(tabs, site, "tabel", "breed")
    pg.keyboard.press("Tab")
    focused = pg.evaluate("() => [document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["Naar de inhoud", "#inhoud"]
    box = pg.locator("a.skiplink").bounding_box()
    assert box and box["width"] > 20 and box["y"] >= 0, "the skip link shows itself when it has focus"
    pg.keyboard.press("Enter")
    assert pg.evaluate("() => location.hash") == "#inhoud"
    pg.keyboard.press("Tab")  # the next control after the skip target shows a focus outline
    outline = pg.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[0] != "none" and outline[1] >= 2
    # a column's menu (static/table-nl.js) opens from the keyboard, in Dutch
    icon = pg.locator("th .dropdown-menu-icon").first
    icon.focus()
    pg.keyboard.press("Enter")
    menu = pg.locator("body > .dropdown-menu")
    assert menu.is_visible() and "sorteren" in menu.inner_text()  # Oplopend or Aflopend


def test_charts_have_a_text_alternative_and_a_data_table(tabs, site):
    pg = visit(tabs, site, "vraag", "breed")
    chart = pg.locator("svg.trend").first
    assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
    assert pg.locator("table.cijfers").count() >= 1
    pg = visit(tabs, site, "gemeente", "mobiel")
    bars = pg.locator(".vergelijk").first
    assert bars.get_attribute("role") == "img" and "%" in bars.get_attribute("aria-label")


def test_map_works_by_touch_and_has_a_list(tabs, site):
    pg = visit(tabs, site, "kaart", "mobiel")
    assert "Beweeg over" not in pg.locator("section.content").inner_text()
    dot = pg.locator("svg.kaart circle.dot").nth(40)
    dot.scroll_into_view_if_needed()
    name = dot.locator("title").text_content().split(" (")[0]
    dot.tap()
    info = pg.locator("#kaart-info")
    info.wait_for(state="visible")
    assert name in info.inner_text()
    assert info.get_by_role("link").first.get_attribute("href").startswith("/gemeente/GM")
    assert pg.url.endswith("/kaart"), "a tap shows the municipality instead of leaving the map"
    lijst = pg.locator("details.kaart-lijst")
    lijst.locator("summary").click()
    assert lijst.get_by_role("link", name=name, exact=True).count() >= 1

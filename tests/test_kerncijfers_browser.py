"""Headline figures in Chromium at phone (390 px) and desktop (1280 px) width: on the home page
and at the top of a question page, readable without sideways scrolling, the tile leading to its
question. Screenshots: tests/artifacts/kerncijfers-*.png."""
from __future__ import annotations

import sqlite3

import pytest

from test_site_browser import ARTIFACTS, CHROMIUM, assert_banner_visible, browser, page  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)")

WIDTHS = {390: 844, 1280: 800}


def latest_headline(site, vraag_id: str) -> dict:
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("""select * from kerncijfers where vraag_id = ? and populatie = 'alle_respondenten'
                                    order by jaar desc limit 1""", [vraag_id]).fetchone())
    finally:
        conn.close()


def within_width(pg, selector: str, width: int) -> None:
    box = pg.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_headline_figures_on_home_and_question_page(page, site, width):  # noqa: F811 - fixture
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    response = page.goto(site.url + "/", wait_until="load")
    assert response is not None and response.status == 200
    assert_banner_visible(page)
    home = page.locator("section.kerncijfers-home")
    assert home.is_visible()
    home.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"kerncijfers-home-{width}.png"), full_page=False)
    within_width(page, "section.kerncijfers-home", width)
    tiles = home.locator("ul.kern-tegels > li")
    assert tiles.count() >= 3

    first = tiles.first.locator("a")
    href = first.get_attribute("href")
    vraag_id = href.rsplit("/", 1)[-1]
    expected = latest_headline(site, vraag_id)
    shown = f"{expected['percentage']:.1f}".replace(".", ",") + "%"
    assert shown in tiles.first.inner_text()

    first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/vraag/{vraag_id}")
    block = page.locator("section.kerncijfer")
    assert block.is_visible()
    assert shown in block.inner_text()
    if width == 1280:  # the page opens with it: in the first screen on a desktop
        box = block.bounding_box()
        assert box is not None and box["y"] < WIDTHS[width], box
    within_width(page, "section.kerncijfer", width)
    # a year and the header 'Jaar' on one line: '2024', not '20' over '24' on a phone
    lines = page.evaluate("""() => [...document.querySelectorAll(
        'table.kerncijfers tbody th, table.kerncijfers thead th:first-child')].map(th => {
            const range = document.createRange(); range.selectNodeContents(th);
            return [th.textContent.trim(), range.getClientRects().length]; })""")
    assert lines and all(n == 1 for _, n in lines), lines
    block.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"kerncijfers-vraag-{width}.png"), full_page=False)

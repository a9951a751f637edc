"""The participation map (/kaart?jaar=): the Netherlands as dots on the municipalities'
centroids, coloured by whether each took part that year (and is in the fixed panel). A municipality
without an accepted submission reads "geen inzending": the invitations are only known as a count."""
import math

from markupsafe import Markup

from eenzaamheid.site.common import esc as _esc
from eenzaamheid.site.store import Store


def map_page(store: Store, jaar: int, base: str) -> dict:
    """The map of a survey year with its counts per class and per province (cached per year)."""
    cached = store.cache.get(("kaart", jaar))
    if cached is None:
        dots = store.kaart[jaar]
        every = [g for g in store.gemeenten.values() if g["latitude"] is not None]
        bounds = (min(g["latitude"] for g in every), max(g["latitude"] for g in every),
                  min(g["longitude"] for g in every), max(g["longitude"] for g in every))
        panel_year = jaar in store.panel_jaren.get("vast_panel_2022_2024", ())
        counts = {"panel": 0, "deelgenomen": 0, "niet": 0}
        per_provincie: dict = {}
        for d in dots:
            cls, _ = _dot_class(d, panel_year)
            counts[cls] += 1
            p = per_provincie.setdefault(d["provincie"], {"provincie": d["provincie"], "gemeenten": 0,
                                                          "deelgenomen": 0, "panel": 0})
            p["gemeenten"] += 1
            p["deelgenomen"] += d["deelgenomen"]
            p["panel"] += cls == "panel"
        for p in per_provincie.values():
            p["percentage"] = 100 * p["deelgenomen"] / p["gemeenten"]
        title = f"Deelname aan de benchmark {jaar} per gemeente"
        lijst: dict = {}  # the list view beside the map: per province, by name
        for d in sorted(dots, key=lambda d: (d["provincie"], d["naam"])):
            lijst.setdefault(d["provincie"], []).append({"naam": d["naam"], "code": d["code"],
                                                         "status": _dot_class(d, panel_year)[1]})
        cached = {"svg": svg_map(dots, title, bounds, panel_year, base), "lijst": lijst,
                  "aantal": len(dots), "tellingen": counts, "panel_jaar": panel_year,
                  "per_provincie": sorted(per_provincie.values(), key=lambda p: p["provincie"])}
        store.cache[("kaart", jaar)] = cached
    return cached

# Tap targets (WCAG 2.2, 2.5.8: at least 24 x 24 CSS px). The dots stay small so the map stays
# readable; under them lies an invisible hit circle per municipality of this radius (in the
# SVG's units, ~0.59 CSS px each at a 390 px phone: 48 units = 28 px across). static/kaart.js
# gives a tap on a hit circle to the nearest dot, so overlapping circles never pick a farther one.
HIT_RADIUS = 24
DOT_RADIUS = 5


def svg_map(dots: list, title: str, bounds: tuple, panel_year: bool, base: str, classify=None) -> Markup:
    """The Netherlands as dots on the municipalities' centroids: equirectangular, x scaled by
    cos(52°). One <circle class="dot ..."> per municipality, in a link, with a <title> tooltip,
    above a layer of hit circles (<circle class="raak">, see HIT_RADIUS). `classify`
    (dot -> (class, status text)) replaces the participation of one year (e.g. number of years)."""
    classify = classify or (lambda d: _dot_class(d, panel_year))
    min_lat, max_lat, min_lon, max_lon = bounds
    k = 520 / ((max_lon - min_lon) * math.cos(math.radians(52)))
    pad = HIT_RADIUS  # a border municipality's hit circle inside the map too
    width = round((max_lon - min_lon) * math.cos(math.radians(52)) * k + 2 * pad)
    height = round((max_lat - min_lat) * k + 2 * pad)
    out = [f'<svg class="kaart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="group" '
           f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>']  # group: it holds links, an img may not
    hits, links = [], []
    # draw non-participants first so the coloured dots stay on top
    for d in sorted(dots, key=lambda d: (d["deelgenomen"], d["vast_panel"], d.get("aantal_jaren", 0))):
        if d["lat"] is None or d["lon"] is None:
            continue
        x = pad + (d["lon"] - min_lon) * math.cos(math.radians(52)) * k
        y = pad + (max_lat - d["lat"]) * k
        cls, status = classify(d)
        hits.append(f'<circle class="raak" cx="{x:.1f}" cy="{y:.1f}" r="{HIT_RADIUS}"/>')
        links.append(f'<a href="{base}{d["code"]}"><circle class="dot {cls}" cx="{x:.1f}" cy="{y:.1f}" r="{DOT_RADIUS}">'
                     f'<title>{_esc(d["naam"])} ({d["code"]}, {_esc(d["provincie"])}): {status}</title></circle></a>')
    out.append('<g class="raakvlakken" aria-hidden="true">' + "".join(hits) + "</g>")
    out.extend(links)
    out.append("</svg>")
    return Markup("".join(out))


def _dot_class(d: dict, panel_year: bool) -> tuple[str, str]:
    if d["deelgenomen"] and panel_year and d["vast_panel"]:
        return "panel", "deelgenomen, lid van het vaste panel 2022–2024"
    if d["deelgenomen"]:
        return "deelgenomen", "deelgenomen"
    # which municipalities were invited is not in the data (jaargangen holds a number at most), so
    # "no submission" is all we know: not "did not take part"
    return "niet", "geen inzending"

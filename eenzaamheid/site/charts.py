"""Charts of the question and municipality pages: no JavaScript, no external resources. The
trend chart is inline SVG that fits any width (each bar with a <title> tooltip), the comparison
bars HTML and CSS; both have a text alternative, and their pages show the numbers in a table too."""
import functools

from markupsafe import Markup

from eenzaamheid.site.common import PALETTE, POPULATION_LABELS, POPULATION_SHORT, esc as _esc, pct

@functools.lru_cache(maxsize=65536)  # the same answer and shares recur across municipalities
def svg_comparison(province: str, prov, nl, answer: str) -> Markup:
    """Two small bars: the share of the province's and the country's municipalities that gave
    the same answer as this municipality (`province` as written out: 'provincie Utrecht'). HTML and CSS rather than SVG, so the text keeps its
    size and the bars their width on a phone (a scaled SVG drew its labels at ~4 px)."""
    rows, spoken = [], []
    for name, cls, value in ((province, "prov", prov), ("Nederland", "nl", nl)):
        aantal, basis, p = value if value else (None, None, None)
        width = 0 if p is None else max(0.0, min(100.0, p))
        spoken.append(f"{name} {pct(p)}" + (f" ({aantal} van {basis} gemeenten)" if basis else ""))
        rows.append(f'<span class="rij {cls}"><span class="lbl">{_esc(name)}</span>'
                    f'<span class="spoor"><span class="balk" style="width:{width:.1f}%"></span></span>'
                    f'<span class="num">{pct(p)}' + (f' ({aantal}/{basis})' if basis else "") + "</span></span>")
    label = f"Zelfde antwoord ({answer}): " + ", ".join(spoken)
    return Markup(f'<span class="vergelijk" role="img" aria-label="{_esc(label)}">' + "".join(rows) + "</span>")


# The trend chart's geometry in CSS px. The SVG has no viewBox: it is as wide as its box
# (width="100%") and every x is a percentage of that width, so the bars stretch and shrink with
# the screen while the text keeps its CSS size (a scaled SVG shrank its 12 px text to ~6 px on a
# phone). Each row is a label line over a bar as wide as the chart.
LABEL_H, BAR_H, ROW_GAP, YEAR_GAP, BREAK_LINE_H = 17, 20, 6, 6, 16
# a share's text inside its segment only when the segment surely holds it: '100,0%' at 12 px
# bold is ~40 px, and 13% of the narrowest chart (334 px at a 390 px wide phone) is 43 px
INSIDE_MIN_PCT = 13.0
# the comparability marker wraps to lines of at most this many characters (~285 px at 12 px bold,
# measured ~7 px a character; the chart is 334 px wide at a 390 px phone)
BREAK_WRAP = 40


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def break_text(jaar: int, previous: int, kind: str) -> str:
    """The comparability marker's text, as the chart draws it (the table says the same)."""
    if kind == "nee":
        return f"Breuk: {jaar} niet vergelijkbaar met {previous}"
    return f"Let op: {jaar} mogelijk niet vergelijkbaar met {previous}"


def _break_marker(y: int, jaar: int, previous: int, kind: str) -> tuple[str, int]:
    lines = _wrap(break_text(jaar, previous, kind), BREAK_WRAP)
    cls = "breuk" if kind == "nee" else "breuk onzeker"
    # a trailing space per line, so the text content reads as one sentence
    spans = "".join(f'<tspan x="0" dy="{0 if i == 0 else BREAK_LINE_H}">{_esc(line)}{" " if i < len(lines) - 1 else ""}</tspan>'
                    for i, line in enumerate(lines))
    svg = (f'<g class="{cls}"><line x1="0" x2="100%" y1="{y + 5}" y2="{y + 5}"/>'
           f'<text x="0" y="{y + 5 + BREAK_LINE_H}">{spans}</text></g>')
    return svg, 5 + BREAK_LINE_H * len(lines) + 9


def _bar(y: int, r: dict, options: list, labels: dict, colours: dict) -> list[str]:
    """One row's segments, left to right in option order, each with its tooltip."""
    out, x = [], 0.0
    for code, _label in options:
        if code not in r["waarden"]:
            continue
        aantal, p = r["waarden"][code]
        w = max(0.0, min(100.0 - x, p or 0))
        if w <= 0:
            continue
        # the year's own wording of the option when the row carries it, else the legend's
        tip = (f"{r['jaar']}, {POPULATION_LABELS.get(r['populatie'], r['populatie'])}: "
               f"{r.get('labels', labels).get(code, labels[code])} "
               f"{pct(p)} ({aantal} van {r['basis']})")
        out.append(f'<g class="seg"><title>{_esc(tip)}</title><rect x="{x:.2f}%" y="{y}" width="{w:.2f}%" '
                   f'height="{BAR_H}" fill="{colours[code]}"/>')
        if w >= INSIDE_MIN_PCT:
            out.append(f'<text class="in" x="{x + w / 2:.2f}%" y="{y + BAR_H - 6}">{pct(p)}</text>')
        out.append("</g>")
        x += w
    return out


def svg_stacked(rows: list, options: list, breaks: dict, title: str) -> Markup:
    """100% bars, one per (year, population), segments per option; fits any width (see above).

    rows: [{"jaar", "populatie", "basis", "waarden": {optie_code: (aantal, pct)}, optional "labels":
    {optie_code: that year's wording}}] in year order;
    options: [(optie_code, label)]; breaks: jaar -> (vergelijkbaar, reden) for years that are
    not (or not surely) comparable with the year before: drawn as a dashed line with wrapped text.
    """
    colours = {code: PALETTE[i % len(PALETTE)] for i, (code, _) in enumerate(options)}
    labels = dict(options)
    body, y, previous_year = [], 2, None
    for r in rows:
        if r["jaar"] != previous_year and previous_year is not None:
            y += YEAR_GAP
            if r["jaar"] in breaks:
                marker, used = _break_marker(y, r["jaar"], previous_year, breaks[r["jaar"]][0])
                body.append(marker)
                y += used
        previous_year = r["jaar"]
        pop = POPULATION_SHORT.get(r["populatie"], r["populatie"])
        body.append(f'<text class="lbl" x="0" y="{y + LABEL_H - 4}">{r["jaar"]} · {_esc(pop)}</text>'
                    f'<text class="basis" x="100%" y="{y + LABEL_H - 4}">n={r["basis"]}</text>')
        y += LABEL_H
        body.append(f'<rect class="spoor" x="0" y="{y}" width="100%" height="{BAR_H}"/>')
        body.extend(_bar(y, r, options, labels, colours))
        y += BAR_H + ROW_GAP
    return Markup(f'<svg class="trend" width="100%" height="{y}" role="img" aria-label="{_esc(title)}">'
                  f'<title>{_esc(title)}</title>' + "".join(body) + "</svg>")


def legend(options: list) -> Markup:
    items = "".join(f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{_esc(label)}</li>'
                    for i, (_, label) in enumerate(options))
    return Markup(f'<ul class="legenda">{items}</ul>')

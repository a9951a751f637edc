"""Charts of the question and municipality pages: no JavaScript, no external resources. The
trend chart is inline SVG (each bar with a <title> tooltip), the comparison bars HTML and CSS;
both have a text alternative, and their pages show the numbers in a table too."""
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


def svg_stacked(rows: list, options: list, breaks: dict, title: str) -> Markup:
    """Horizontal 100% bars, one per (year, population), segments per option.

    rows: [{"jaar", "populatie", "basis", "waarden": {optie_code: (aantal, pct)}}] in year order;
    options: [(optie_code, label)]; breaks: jaar -> (vergelijkbaar, reden) for years that are
    not (or not surely) comparable with the year before: drawn as a dashed separator with text.
    """
    label_w, bar_w, row_h, gap, break_h = 118, 470, 20, 5, 22
    width = label_w + bar_w + 58
    colours = {code: PALETTE[i % len(PALETTE)] for i, (code, _) in enumerate(options)}
    labels = dict(options)
    body, y, previous_year = [], 4, None
    for r in rows:
        if r["jaar"] != previous_year and previous_year is not None:
            y += gap
            if r["jaar"] in breaks:
                kind, _ = breaks[r["jaar"]]
                text = (f"Breuk: {r['jaar']} niet vergelijkbaar met {previous_year}" if kind == "nee"
                        else f"Let op: {r['jaar']} mogelijk niet vergelijkbaar met {previous_year}")
                cls = "breuk" if kind == "nee" else "breuk onzeker"
                body.append(f'<g class="{cls}"><line x1="0" x2="{width}" y1="{y + 6}" y2="{y + 6}"/>'
                            f'<text x="{label_w}" y="{y + 17}">{_esc(text)}</text></g>')
                y += break_h
        previous_year = r["jaar"]
        pop = POPULATION_SHORT.get(r["populatie"], r["populatie"])
        body.append(f'<text class="lbl" x="0" y="{y + row_h - 6}">{r["jaar"]} · {_esc(pop)}</text>')
        body.append(f'<rect class="spoor" x="{label_w}" y="{y}" width="{bar_w}" height="{row_h}"/>')
        x = float(label_w)
        for code, _label in options:
            if code not in r["waarden"]:
                continue
            aantal, p = r["waarden"][code]
            w = bar_w * (p or 0) / 100
            if w <= 0:
                continue
            tip = f"{r['jaar']}, {POPULATION_LABELS.get(r['populatie'], r['populatie'])}: {labels[code]} " \
                  f"{pct(p)} ({aantal} van {r['basis']})"
            body.append(f'<g class="seg"><title>{_esc(tip)}</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
                        f'height="{row_h}" fill="{colours[code]}"/>')
            if w >= 44:  # room for '22,7%' at 12 px
                body.append(f'<text class="in" x="{x + w / 2:.1f}" y="{y + row_h - 6}">{pct(p)}</text>')
            body.append("</g>")
            x += w
        body.append(f'<text class="basis" x="{label_w + bar_w + 6}" y="{y + row_h - 6}">n={r["basis"]}</text>')
        y += row_h
    height = y + 4
    # in a focusable scroll box: on a phone the chart keeps its 12 px text and scrolls on its own
    return Markup(f'<div class="grafiek-scroll" tabindex="0" role="group" aria-label="{_esc(title)} (schuift opzij)">'
                  f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>' + "".join(body) + "</svg></div>")


def legend(options: list) -> Markup:
    items = "".join(f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{_esc(label)}</li>'
                    for i, (_, label) in enumerate(options))
    return Markup(f'<ul class="legenda">{items}</ul>')

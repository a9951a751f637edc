"""The public site of the Benchmark Eén tegen eenzaamheid on Datasette 0.65.

Hooks:
- startup: read what the pages need (the `Store`);
- extra_template_vars: `synthetisch` (banner, noindex) on every page, the site's links, and on
  the home page the canned queries and the downloads found next to the served database;
- register_routes: / (home, cached), /robots.txt, /gemeente (search), /gemeente/{code} and its
  /factsheet, /vragen, /vraag/{vraag_id}, /kaart?jaar=;
- (table and query pages: their rows are written by `table_rows` and `query_rows`, which also
  link every gemeente_code cell to the municipality page);
- handle_exception: Datasette's error pages through render_template, so they get the banner;
- asgi_wrapper: X-Robots-Tag while synthetic, and warm the home page before reporting ready;
  outermost the site's hardening (eenzaamheid/site/security.py): read-only methods, no hidden or
  unpublished files, security headers.

Whether the data is synthetic is read from the served database
(`select count(*) from bronbestanden where synthetisch = 1`), never assumed.

Speed: the database is served immutable, so everything that does not depend on the request
(the codebook tables, the shares of the views `aandelen` and `aandelen_per_provincie`, the
municipalities and their participation) is read once per database file into a `Store` and kept
in memory. Per request only a municipality's own rows are queried, through the indexes on
inzendingen(gemeente_code) and toelichtingen(gemeente_code), in one trip to the SQL thread.
Charts are inline SVG built here; no JavaScript, no external resources.
"""
import functools
import math
import os
import re
import traceback
import unicodedata
from pathlib import Path

from datasette import hookimpl
from datasette.version import __version__ as datasette_version
from datasette.utils import to_css_class
from datasette.utils.asgi import Response
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from eenzaamheid.site import security

DATABASE = "benchmark"
STATIC_DOWNLOADS = "bestanden"            # --static mount of the clean folder (serve.py)
ZIP_NAME = "benchmark-eenzaamheid.zip"
EXPORT_FORMATS = (("csv", "CSV"), ("json", "JSON"), ("parquet", "Parquet"))
SHOWN_POPULATIONS = ("alle_respondenten", "vast_panel_2022_2024")
POPULATION_LABELS = {"alle_respondenten": "Alle respondenten", "vast_panel_2022_2024": "Vast panel 2022–2024",
                     "groep_2022_2023": "Groep 2022–2023"}
POPULATION_SHORT = {"alle_respondenten": "alle", "vast_panel_2022_2024": "vast panel"}
TYPE_LABELS = {"ja_nee": "ja/nee", "enkelvoudig": "één antwoord", "meervoudig": "meerdere antwoorden mogelijk",
               "matrix": "matrix: een antwoord per onderdeel", "open": "open vraag (vrije tekst)", "getal": "getal"}
NOT_COMPARABLE = ("nee", "onzeker")
# Common names people type that are not the official name (the build's resolver knows more).
ALIASES = {"den haag": "GM0518", "den bosch": "GM0796", "s gravenhage": "GM0518", "s hertogenbosch": "GM0796"}
# Option colours: dark enough for white text (contrast >= 4.5:1), distinguishable in order.
PALETTE = ("#1f4e79", "#b4471d", "#2e6b30", "#6a3d9a", "#7a5a00", "#00695c", "#a3154f", "#455a64")
PANEL_DEFAULT_YEARS = {"vast_panel_2022_2024": (2022, 2023, 2024), "groep_2022_2023": (2022, 2023)}


# --------------------------------------------------------------------------- formatting

def pct(value) -> str:
    """45.2 -> '45,2%' (Dutch decimal comma)."""
    if value is None:
        return "–"
    return f"{value:.1f}".replace(".", ",") + "%"


def normalize(text: str) -> str:
    """Case- and accent-insensitive form for searching: 'Súdwest-Fryslân' -> 'sudwest fryslan'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


def _esc(value) -> str:
    return str(escape("" if value is None else value))


# --------------------------------------------------------------------------- the store

def _codebook_order():
    """Question, item and option order of the questionnaire (the database keeps them sorted by
    key). From schemas/codebook.yaml through the project package; alphabetical if unavailable."""
    try:
        from eenzaamheid import codebook
        book = codebook.load()
    except Exception:  # noqa: BLE001 - the site works without it, only the order differs
        return {}, {}, {}
    questions, items, options = {}, {}, {}
    for qi, q in enumerate(book.data["vragen"]):
        questions[q["vraag_id"]] = qi
        for ii, item in enumerate(q.get("items") or []):
            items[(q["vraag_id"], item["item_code"])] = ii
        for oi, o in enumerate(q.get("opties") or []):
            options[(q["vraag_id"], o["optie_code"])] = oi
    return questions, items, options


def _rows(conn, sql, params=()):
    cur = conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _valid_on(g: dict, day: str) -> bool:
    return g["geldig_van"] <= day < (g["geldig_tot"] or "9999-12-31")


class Store:
    """What the pages need that does not change while an immutable database is served.

    synthetisch, synthetische_bestanden; jaren, jaargangen (jaar -> row); gemeenten (code -> row,
    plus 'zoek': the normalized name); voorgangers (successor code -> merged predecessors);
    provincies (code -> name); vragen (rows in questionnaire order), vraag (id -> row), secties
    [(sectie, label, [vragen])]; versies ((vraag_id, jaar) -> row); opties (vraag_id -> rows in
    questionnaire order), optie ((vraag, item, optie) -> row); aandelen (vraag_id -> rows of the
    shown populations); nederland ((jaar, vraag, item, optie) -> (aantal, basis, percentage));
    provincie ((jaar, provincie_code, vraag, item, optie) -> idem); kaart (jaar -> dots).
    (Not a dataclass: Datasette loads --plugins-dir modules without registering them in
    sys.modules, which dataclasses need.)
    """

    def __init__(self, **values):
        self.__dict__.update(values)
        self.panel_jaren = PANEL_DEFAULT_YEARS
        self.cache = {}   # rendered pieces (charts, map) by key; deterministic, so races are harmless

    @classmethod
    def load(cls, conn):
        try:
            n_synth = conn.execute("select count(*) from bronbestanden where synthetisch = 1").fetchone()[0]
        except Exception:  # noqa: BLE001 - no provenance table: we cannot tell, so we warn
            n_synth = -1
        q_order, i_order, o_order = _codebook_order()

        gemeenten = {g["gemeente_code"]: g for g in _rows(conn, "select * from gemeenten")}
        voorgangers: dict = {}
        for g in gemeenten.values():
            g["zoek"] = normalize(g["naam"])
            g["geldig_tot"] = g["geldig_tot"] or None
            if g["opvolger_code"] != g["gemeente_code"]:
                voorgangers.setdefault(g["opvolger_code"], []).append(g)
        provincies = {g["provincie_code"]: g["provincie"] for g in gemeenten.values()}
        jaargangen = {r["jaar"]: r for r in _rows(conn, "select * from jaargangen order by jaar")}

        vragen = _rows(conn, "select * from vragen")
        vragen.sort(key=lambda v: (v["sectie"], q_order.get(v["vraag_id"], 999), v["vraag_id"]))
        secties: list = []
        for v in vragen:
            if not secties or secties[-1][0] != v["sectie"]:
                secties.append((v["sectie"], v["sectie_label"], []))
            secties[-1][2].append(v)
        versies = {(r["vraag_id"], r["jaar"]): r for r in _rows(conn, "select * from vraagversies")}

        def option_key(r):
            return (q_order.get(r["vraag_id"], 999), r["vraag_id"],
                    i_order.get((r["vraag_id"], r["item_code"]), 999), r["item_code"],
                    o_order.get((r["vraag_id"], r["optie_code"]), 999), r["optie_code"])

        opties: dict = {}
        optie = {}
        for r in sorted(_rows(conn, "select * from antwoordopties"), key=option_key):
            r["jaren_set"] = {int(y) for y in (r["jaren"] or "").split(",") if y}
            opties.setdefault(r["vraag_id"], []).append(r)
            optie[(r["vraag_id"], r["item_code"], r["optie_code"])] = r

        aandelen: dict = {}
        nederland = {}
        for r in _rows(conn, "select * from aandelen"):
            if r["populatie"] == "alle_respondenten":
                nederland[(r["jaar"], r["vraag_id"], r["item_code"], r["optie_code"])] = (
                    r["aantal"], r["basis"], r["percentage"])
            if r["populatie"] in SHOWN_POPULATIONS:
                aandelen.setdefault(r["vraag_id"], []).append(r)
        provincie = {}
        for r in _rows(conn, "select jaar, provincie_code, vraag_id, item_code, optie_code, aantal, basis, "
                             "percentage from aandelen_per_provincie"):
            provincie[(r["jaar"], r["provincie_code"], r["vraag_id"], r["item_code"], r["optie_code"])] = (
                r["aantal"], r["basis"], r["percentage"])

        # Map: every municipality that existed on 1 January of a survey year, whether it took
        # part under its own code that year, and the panels of its successor.
        deelgenomen = {(r["gemeente_code"], r["jaar"]) for r in _rows(
            conn, "select distinct gemeente_code, jaar from inzendingen where status = 'geaccepteerd'")}
        panels = {(r["gemeente_code"], r["jaar"]): r for r in _rows(
            conn, "select gemeente_code, jaar, lid_vast_panel_2022_2024 as vast_panel_2022_2024, "
            "lid_groep_2022_2023 as groep_2022_2023 from deelname")}
        kaart = {}
        for jaar in jaargangen:
            dots = []
            for g in sorted(gemeenten.values(), key=lambda g: g["zoek"]):
                if not _valid_on(g, f"{jaar}-01-01"):
                    continue
                p = panels.get((g["opvolger_code"], jaar)) or {}
                dots.append({"code": g["gemeente_code"], "naam": g["naam"], "provincie": g["provincie"],
                             "lat": g["latitude"], "lon": g["longitude"],
                             "deelgenomen": (g["gemeente_code"], jaar) in deelgenomen,
                             "vast_panel": bool(p.get("vast_panel_2022_2024"))})
            kaart[jaar] = dots

        return cls(synthetisch=n_synth != 0, synthetische_bestanden=n_synth, jaren=sorted(jaargangen),
                   jaargangen=jaargangen, gemeenten=gemeenten, voorgangers=voorgangers, provincies=provincies,
                   vragen=vragen, vraag={v["vraag_id"]: v for v in vragen}, secties=secties, versies=versies,
                   opties=opties, optie=optie, aandelen=aandelen, nederland=nederland, provincie=provincie,
                   kaart=kaart)


_STORES: dict = {}


def _database(datasette):
    return datasette.databases.get(DATABASE) or datasette.get_database()


async def get_store(datasette) -> Store:
    db = _database(datasette)
    key = (db.name, db.path)
    if db.is_mutable and db.path:  # not how we serve, but then a change must be seen
        st = os.stat(db.path)
        key += (st.st_mtime_ns, st.st_size)
    store = _STORES.get(key)
    if store is None:
        store = await db.execute_fn(Store.load)
        store.panel_jaren = _panel_years(datasette)
        _STORES.clear()
        _STORES[key] = store
    return store


def _panel_years(datasette) -> dict:
    """Panel name -> its years, from the metadata's `panels` block if served, else the defaults."""
    out = dict(PANEL_DEFAULT_YEARS)
    try:
        for name, panel in (datasette.metadata("panels") or {}).items():
            out[name] = tuple(int(y) for y in panel["jaren"])
    except Exception:  # noqa: BLE001 - malformed or absent: keep the defaults
        pass
    return out


# --------------------------------------------------------------------------- SVG charts

@functools.lru_cache(maxsize=65536)  # the same answer and shares recur across municipalities
def svg_comparison(province: str, prov, nl, answer: str) -> Markup:
    """Two small bars: the share of the province's and the country's municipalities that gave
    the same answer as this municipality."""
    label_w, bar_w, row_h, gap = 112, 150, 14, 6
    width, height = label_w + bar_w + 112, 2 * row_h + gap + 4
    parts = [f'<svg class="vergelijk" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{_esc(f"Aandeel met antwoord {answer}")}">']
    for i, (name, cls, value) in enumerate(((province, "prov", prov), ("Nederland", "nl", nl))):
        y = 2 + i * (row_h + gap)
        aantal, basis, p = value if value else (None, None, None)
        w = 0 if p is None else round(bar_w * p / 100, 1)
        tip = f"{name}: {pct(p)}" + (f" ({aantal} van {basis} gemeenten)" if basis else "")
        parts.append(
            f'<g class="rij {cls}"><title>{_esc(tip)}</title>'
            f'<text x="0" y="{y + row_h - 3}" class="lbl">{_esc(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h}" class="spoor"/>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{row_h}" class="balk"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + row_h - 3}" class="num">{pct(p)}'
            + (f' ({aantal}/{basis})' if basis else "") + "</text></g>")
    parts.append("</svg>")
    return Markup("".join(parts))


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
            if w >= 36:
                body.append(f'<text class="in" x="{x + w / 2:.1f}" y="{y + row_h - 6}">{pct(p)}</text>')
            body.append("</g>")
            x += w
        body.append(f'<text class="basis" x="{label_w + bar_w + 6}" y="{y + row_h - 6}">n={r["basis"]}</text>')
        y += row_h
    height = y + 4
    return Markup(f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>' + "".join(body) + "</svg>")


def legend(options: list) -> Markup:
    items = "".join(f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{_esc(label)}</li>'
                    for i, (_, label) in enumerate(options))
    return Markup(f'<ul class="legenda">{items}</ul>')


def svg_map(dots: list, title: str, bounds: tuple, panel_year: bool, base: str) -> Markup:
    """The Netherlands as dots on the municipalities' centroids: equirectangular, x scaled by
    cos(52°). One <circle class="dot ..."> per municipality, with a <title> tooltip."""
    min_lat, max_lat, min_lon, max_lon = bounds
    k = 520 / ((max_lon - min_lon) * math.cos(math.radians(52)))
    pad = 10
    width = round((max_lon - min_lon) * math.cos(math.radians(52)) * k + 2 * pad)
    height = round((max_lat - min_lat) * k + 2 * pad)
    out = [f'<svg class="kaart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>']
    # draw non-participants first so the coloured dots stay on top
    for d in sorted(dots, key=lambda d: (d["deelgenomen"], d["vast_panel"])):
        if d["lat"] is None or d["lon"] is None:
            continue
        x = pad + (d["lon"] - min_lon) * math.cos(math.radians(52)) * k
        y = pad + (max_lat - d["lat"]) * k
        cls, status = _dot_class(d, panel_year)
        out.append(f'<a href="{base}{d["code"]}"><circle class="dot {cls}" cx="{x:.1f}" cy="{y:.1f}" r="5">'
                   f'<title>{_esc(d["naam"])} ({d["code"]}, {_esc(d["provincie"])}): {status}</title></circle></a>')
    out.append("</svg>")
    return Markup("".join(out))


def _dot_class(d: dict, panel_year: bool) -> tuple[str, str]:
    if d["deelgenomen"] and panel_year and d["vast_panel"]:
        return "panel", "deelgenomen, lid van het vaste panel 2022–2024"
    if d["deelgenomen"]:
        return "deelgenomen", "deelgenomen"
    return "niet", "niet deelgenomen"


# --------------------------------------------------------------------------- page data

def search_municipalities(store: Store, q: str) -> list:
    n = normalize(q)
    if not n:
        return []
    compact = n.replace(" ", "")
    code = None
    m = re.fullmatch(r"(?:gm)?0*(\d{1,4})", compact)
    if m:
        code = f"GM{int(m.group(1)):04d}"
    alias = ALIASES.get(n)
    hits = []
    for g in store.gemeenten.values():
        if g["gemeente_code"] in (code, alias):
            rank = 0
        elif g["zoek"] == n:
            rank = 1
        elif g["zoek"].startswith(n) or g["zoek"].replace(" ", "").startswith(compact):
            rank = 2
        elif n in g["zoek"] or compact in g["zoek"].replace(" ", ""):
            rank = 3
        else:
            continue
        hits.append((rank, g["geldig_tot"] is not None, g["zoek"], g))
    hits.sort(key=lambda h: h[:3])
    return [h[3] for h in hits]


def participation(store: Store, g: dict, deelname: list) -> list:
    """Per survey year: took part, under which code(s) of that year, panel flags (of the
    successor). A dissolved municipality only lists the years in which it existed."""
    by_year = {d["jaar"]: d for d in deelname}
    own = g["gemeente_code"]
    is_successor = g["opvolger_code"] == own
    out = []
    for jaar in store.jaren:
        d = by_year.get(jaar) or {}
        codes = [c for c in (d.get("gemeente_codes_dat_jaar") or "").split(",") if c]
        existed = _valid_on(g, f"{jaar}-01-01")
        if is_successor:
            took_part = bool(d.get("deelgenomen"))
        else:
            if not existed and own not in codes:
                continue
            took_part = own in codes
            codes = [own] if took_part else []
        # a panel flag only means something in the panel's own years
        flags = {name: (bool(d.get(name)) if jaar in years else None) for name, years in store.panel_jaren.items()}
        out.append({"jaar": jaar, "bestond": existed, "deelgenomen": took_part,
                    "codes": [(c, store.gemeenten.get(c, {}).get("naam", c)) for c in codes],
                    "vast_panel": flags.get("vast_panel_2022_2024"), "groep": flags.get("groep_2022_2023")})
    return out


def answers_by_year(store: Store, answers: list, notes: list) -> list:
    """[{jaar, inzending_id, provincie, secties: [{label, vragen: [{..., regels, toelichtingen}]}]}],
    latest year first; every answer beside the province's and the country's share."""
    q_pos = {v["vraag_id"]: i for i, v in enumerate(store.vragen)}
    submissions: dict = {}
    for a in answers:
        sub = submissions.setdefault(a["inzending_id"], {"jaar": a["jaar"], "inzending_id": a["inzending_id"],
                                                         "provincie_code": a["provincie_code"], "vragen": {}})
        vraag = store.vraag.get(a["vraag_id"])
        if vraag is None:
            continue
        q = sub["vragen"].setdefault(a["vraag_id"], {"regels": [], "toelichtingen": []})
        o = store.optie.get((a["vraag_id"], a["item_code"], a["optie_code"])) or {}
        key = (a["jaar"], a["vraag_id"], a["item_code"], a["optie_code"])
        prov = store.provincie.get((a["jaar"], a["provincie_code"], *key[1:]))
        nl = store.nederland.get(key)
        if vraag["type"] == "meervoudig":
            item, answer = o.get("item_label") or a["waarde"], "aangekruist"
        else:
            item, answer = o.get("item_label") or "", o.get("label") or a["waarde"]
        q["regels"].append({"item": item, "antwoord": answer, "item_code": a["item_code"], "optie_code": a["optie_code"],
                            "provincie": prov, "nederland": nl})
    for t in notes:
        sub = submissions.setdefault(t["inzending_id"], {"jaar": t["jaar"], "inzending_id": t["inzending_id"],
                                                         "provincie_code": t["provincie_code"], "vragen": {}})
        if t["vraag_id"] in store.vraag:
            sub["vragen"].setdefault(t["vraag_id"], {"regels": [], "toelichtingen": []})["toelichtingen"].append(
                t["tekst"])
    out = []
    for sub in sorted(submissions.values(), key=lambda s: (-s["jaar"], s["inzending_id"])):
        province = store.provincies.get(sub["provincie_code"], sub["provincie_code"] or "provincie")
        secties: list = []
        for vraag_id in sorted(sub["vragen"], key=lambda v: q_pos[v]):
            v = store.vraag[vraag_id]
            q = sub["vragen"][vraag_id]
            versie = store.versies.get((vraag_id, sub["jaar"])) or {}
            item_pos = {o["item_code"]: i for i, o in enumerate(store.opties.get(vraag_id, []))}
            q["regels"].sort(key=lambda r: item_pos.get(r["item_code"], 999))
            for r in q["regels"]:
                r["svg"] = svg_comparison(province, r["provincie"], r["nederland"], r["antwoord"])
                for scope in ("provincie", "nederland"):
                    share = r[scope]
                    r[scope + "_tekst"] = f"{pct(share[2])} ({share[0]}/{share[1]})" if share else "–"
            if not secties or secties[-1]["sectie"] != v["sectie"]:
                secties.append({"sectie": v["sectie"], "label": v["sectie_label"], "vragen": []})
            secties[-1]["vragen"].append({
                "vraag_id": vraag_id, "onderwerp": v["onderwerp"], "type": v["type"],
                "formulering": versie.get("formulering"),
                "vergelijkbaar": versie.get("vergelijkbaar_met_vorig_jaar"), "reden": versie.get("reden"),
                "regels": q["regels"], "toelichtingen": q["toelichtingen"]})
        out.append({"jaar": sub["jaar"], "inzending_id": sub["inzending_id"], "provincie": province,
                    "secties": secties, "aantal": sum(len(q["regels"]) for s in secties for q in s["vragen"])})
    return out


def question_charts(store: Store, vraag_id: str) -> dict:
    """Per item (matrix row; for a multiple-choice question every option) the shares per year
    for all respondents and the fixed panel: rows for the SVG and the table."""
    cached = store.cache.get(("vraag", vraag_id))
    if cached is not None:
        return cached
    v = store.vraag[vraag_id]
    versies = [store.versies[(vraag_id, j)] for j in store.jaren if (vraag_id, j) in store.versies]
    breaks = {r["jaar"]: (r["vergelijkbaar_met_vorig_jaar"], r["reden"]) for r in versies
              if r["vergelijkbaar_met_vorig_jaar"] in NOT_COMPARABLE}
    data: dict = {}
    for r in store.aandelen.get(vraag_id, []):
        data.setdefault(r["item_code"], {}).setdefault((r["jaar"], r["populatie"]), {
            "jaar": r["jaar"], "populatie": r["populatie"], "basis": r["basis"], "waarden": {}}
        )["waarden"][r["optie_code"]] = (r["aantal"], r["percentage"])
    items, seen = [], set()
    for o in store.opties.get(vraag_id, []):
        if o["item_code"] in seen or o["item_code"] not in data:
            continue
        seen.add(o["item_code"])
        options = [(x["optie_code"], x["label"]) for x in store.opties[vraag_id] if x["item_code"] == o["item_code"]]
        if v["type"] == "meervoudig":
            options = [(code, "aangekruist") for code, _ in options]
        pop_order = {p: i for i, p in enumerate(SHOWN_POPULATIONS)}
        rows = sorted(data[o["item_code"]].values(), key=lambda r: (r["jaar"], pop_order[r["populatie"]]))
        first_year = rows[0]["jaar"]
        item_breaks = {j: b for j, b in breaks.items() if j != first_year}
        title = f"{v['onderwerp']}" + (f" – {o['item_label']}" if o["item_label"] else "")
        table, previous = [], None
        for r in rows:
            first_of_year = r["jaar"] != previous
            previous = r["jaar"]
            table.append({"jaar": r["jaar"], "populatie": POPULATION_SHORT[r["populatie"]], "basis": r["basis"],
                          "cellen": [r["waarden"].get(code) for code, _ in options],
                          "breuk": item_breaks.get(r["jaar"], (None,))[0] if first_of_year else None})
        items.append({"item_code": o["item_code"], "item_label": o["item_label"], "opties": options,
                      "svg": svg_stacked(rows, options, item_breaks, title),
                      "legenda": legend(options) if v["type"] != "meervoudig" else Markup(""),
                      "tabel": table})
    result = {"items": items, "versies": versies, "breuken": breaks}
    store.cache[("vraag", vraag_id)] = result
    return result


# --------------------------------------------------------------------------- routes

_SYNC_TEMPLATES: dict = {}


def sync_templates(datasette) -> Environment:
    """A plain Jinja environment on our templates for the long repetitive parts of a page (a
    year of a municipality's answers): Datasette's environment renders asynchronously, which
    costs several milliseconds per page of ~170 rows. Same templates, same autoescaping."""
    key = datasette.template_dir
    env = _SYNC_TEMPLATES.get(key)
    if env is None:
        paths = [p for p in (datasette.template_dir, str(Path(__file__).resolve().parent.parent / "templates")) if p]
        env = _SYNC_TEMPLATES[key] = Environment(loader=FileSystemLoader(paths), autoescape=True)
    return env


_GM_CODE = re.compile(r"GM\d{4}")


def gemeente_cell(href: str, code, label=None) -> Markup | None:
    """A gemeente_code cell as a link to the municipality page (with its name when the table
    shows labels), or None for anything that is not a CBS code."""
    if not isinstance(code, str) or not _GM_CODE.fullmatch(code):
        return None
    if label and label != code:
        return Markup(f'<a href="{href}{code}" title="Gemeentepagina">{_esc(label)}</a>&nbsp;<em>{code}</em>')
    return Markup(f'<a href="{href}{code}" title="Gemeentepagina">{code}</a>')


# Table and query pages: Datasette renders every cell and then loops over them in its
# asynchronous Jinja templates, which costs more than the rest of such a page. Our copies of
# _table.html and query.html call these two functions instead: the same markup, written in
# plain Python. They also make every gemeente_code cell a link to the municipality page (done
# here rather than in a render_cell hook, which Datasette would call once for every cell).

def table_rows(datasette, gemeenten: dict):
    """`tabelrijen(display_rows)` for _table.html. A gemeente_code that is the table's primary
    key (table gemeenten) keeps its link to the row and gets one to the municipality page."""
    href = datasette.urls.path("/gemeente/")

    def render(display_rows) -> Markup:
        out = []
        for row in display_rows:
            out.append("<tr>")
            for cell in row:
                column, kind, value = cell["column"], cell["value_type"], cell["value"]
                if column == "gemeente_code" and kind != "pk":
                    code = cell["raw"]
                    label = (gemeenten.get(code) or {}).get("naam") if "&nbsp;<em>" in str(value) else None
                    value = gemeente_cell(href, code, label) or value
                out.append(f'<td class="col-{_esc(to_css_class(column))} type-{_esc(kind)}">{_esc(value)}')
                if column == "gemeente_code" and kind == "pk":
                    out.append(f' <a class="gemeente-link" href="{href}{_esc(cell["raw"])}" '
                               'title="Gemeentepagina">gemeentepagina</a>')
                out.append("</td>")
            out.append("</tr>\n")
        return Markup("".join(out))
    return render


def query_rows(datasette):
    """`queryrijen(columns, display_rows)` for query.html (canned queries and SQL)."""
    href = datasette.urls.path("/gemeente/")

    def render(columns, display_rows) -> Markup:
        classes = [f'<td class="col-{_esc(to_css_class(c))}">' for c in columns]
        linked = [c == "gemeente_code" for c in columns]
        out = []
        for row in display_rows:
            out.append("<tr>")
            for td, link, value in zip(classes, linked, row):
                if link:
                    value = gemeente_cell(href, value) or value
                out.append(f"{td}{_esc(value)}</td>")
            out.append("</tr>\n")
        return Markup("".join(out))
    return render


async def _render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context = {"datasette_version": datasette_version, "metadata": datasette.metadata(), **context}
    html = await datasette.render_template(template, context, request=request, view_name=template.split(".")[0])
    return Response.html(html, status=status, headers=_cache_headers(datasette) if status == 200 else None)


def _cache_headers(datasette) -> dict:
    """Our pages change only with a new build, like Datasette's own: cache them as long as its
    default_cache_ttl says (a proxy in front can then carry the load)."""
    return {"Cache-Control": f"max-age={datasette.setting('default_cache_ttl')}"}


async def home(request, datasette):
    """The home page: Datasette's index.html (our override) with the database summary of
    Datasette's own index view, fetched once from /.json. That view asks SQLite for every
    table's columns and keys on each request (~20 ms); the database is immutable, so once is
    enough."""
    store = await get_store(datasette)
    databases = store.cache.get("index_databases")
    if databases is None:
        response = await datasette.client.get("/.json")
        databases = list(response.json().values()) if response.status_code == 200 else []
        store.cache["index_databases"] = databases
    return await _render(datasette, request, "index.html", {"databases": databases, "private": False})


async def _not_found(datasette, request, title: str, message: str, links=()) -> Response:
    return await _render(datasette, request, "niet_gevonden.html",
                         {"titel": title, "melding": message, "links": list(links)}, status=404)


async def robots_txt(datasette):
    store = await get_store(datasette)
    if store.synthetisch:
        body = ("# Synthetische demodata: niet indexeren, zodat verzonnen antwoorden nooit onder\n"
                "# de naam van een echte gemeente worden gevonden.\nUser-agent: *\nDisallow: /\n")
    else:
        body = "User-agent: *\nAllow: /\n"
    return Response.text(body, headers=_cache_headers(datasette))


async def gemeente_zoeken(request, datasette):
    store = await get_store(datasette)
    q = (request.args.get("q") or "").strip()[:100]
    hits = search_municipalities(store, q) if q else []
    current = sorted((g for g in store.gemeenten.values() if g["geldig_tot"] is None),
                     key=lambda g: (g["provincie"], g["zoek"]))
    per_provincie: dict = {}
    for g in current:
        per_provincie.setdefault(g["provincie"], []).append(g)
    return await _render(datasette, request, "gemeente_zoeken.html",
                         {"q": q, "resultaten": hits, "per_provincie": per_provincie,
                          "gemeente_url": datasette.urls.path("/gemeente/"),
                          "aantal_huidig": len(current)})


async def _municipality(request, datasette, partial_template: str):
    store = await get_store(datasette)
    code = request.url_vars["code"].strip().upper()
    g = store.gemeenten.get(code)
    if g is None:
        return store, None, await _not_found(
            datasette, request, "Gemeente niet gevonden",
            f"Er is geen gemeente met CBS-code ‘{request.url_vars['code']}’ in deze dataset. "
            "Zoek een gemeente op naam of code.", [("Gemeente zoeken", datasette.urls.path("/gemeente"))])
    if code != request.url_vars["code"]:
        return store, None, Response.redirect(request.path.replace(request.url_vars["code"], code))

    def fetch(conn):
        deelname = _rows(conn, "select * from deelname where gemeente_code = ? order by jaar", [g["opvolger_code"]])
        answers = _rows(conn, """
            select i.jaar, i.inzending_id, i.provincie_code, a.vraag_id, a.item_code, a.optie_code, a.waarde
            from inzendingen i join antwoorden a on a.inzending_id = i.inzending_id
            where i.gemeente_code = ? and i.status = 'geaccepteerd'""", [code])
        notes = _rows(conn, """
            select t.jaar, t.inzending_id, i.provincie_code, t.vraag_id, t.tekst
            from toelichtingen t join inzendingen i on i.inzending_id = t.inzending_id
            where t.gemeente_code = ? and i.status = 'geaccepteerd' order by t.toelichting_id""", [code])
        return deelname, answers, notes

    deelname, answers, notes = await _database(datasette).execute_fn(fetch)
    jaren = answers_by_year(store, answers, notes)
    partial = sync_templates(datasette).get_template(partial_template)
    vraag_url = datasette.urls.path("/vraag/")
    for j in jaren:
        j["html"] = Markup(partial.render(j=j, g=g, vraag_url=vraag_url))
    context = {
        "g": g,
        "opvolger": store.gemeenten.get(g["opvolger_code"]) if g["opvolger_code"] != code else None,
        "voorgangers": sorted(store.voorgangers.get(code, []), key=lambda x: x["zoek"]),
        "deelname": participation(store, g, deelname),
        "jaren": jaren,
        "panel_jaren": store.panel_jaren,
    }
    return store, context, None


async def gemeente(request, datasette):
    _store, context, response = await _municipality(request, datasette, "_gemeente_jaar.html")
    if response is not None:
        return response
    return await _render(datasette, request, "gemeente.html", context)


async def factsheet(request, datasette):
    _store, context, response = await _municipality(request, datasette, "_factsheet_jaar.html")
    if response is not None:
        return response
    return await _render(datasette, request, "factsheet.html", context)


async def vragen(request, datasette):
    store = await get_store(datasette)
    secties = []
    for sectie, label, vs in store.secties:
        rows = []
        for v in vs:
            breaks = [(j, store.versies[(v["vraag_id"], j)]["vergelijkbaar_met_vorig_jaar"])
                      for j in store.jaren if (v["vraag_id"], j) in store.versies
                      and store.versies[(v["vraag_id"], j)]["vergelijkbaar_met_vorig_jaar"] in NOT_COMPARABLE]
            rows.append({**v, "type_label": TYPE_LABELS.get(v["type"], v["type"]), "breuken": breaks,
                         "heeft_cijfers": v["vraag_id"] in store.aandelen})
        secties.append({"sectie": sectie, "label": label, "vragen": rows})
    return await _render(datasette, request, "vragen.html", {"secties": secties})


async def vraag(request, datasette):
    store = await get_store(datasette)
    vraag_id = request.url_vars["vraag_id"]
    v = store.vraag.get(vraag_id)
    if v is None:
        return await _not_found(datasette, request, "Vraag niet gevonden",
                                f"Er is geen vraag ‘{vraag_id}’ in de benchmark.",
                                [("Alle vragen", datasette.urls.path("/vragen"))])
    charts = question_charts(store, vraag_id)
    return await _render(datasette, request, "vraag.html", {
        "v": v, "type_label": TYPE_LABELS.get(v["type"], v["type"]), **charts,
        "populaties": [POPULATION_LABELS[p] for p in SHOWN_POPULATIONS]})


async def kaart(request, datasette):
    store = await get_store(datasette)
    raw = request.args.get("jaar") or str(store.jaren[-1])
    try:
        jaar = int(raw)
    except ValueError:
        jaar = None
    if jaar not in store.kaart:
        return await _not_found(datasette, request, "Jaar niet gevonden",
                                f"De benchmark heeft geen jaargang ‘{raw}’. Kies een van de jaren "
                                + ", ".join(map(str, store.jaren)) + ".",
                                [(str(j), datasette.urls.path(f"/kaart?jaar={j}")) for j in store.jaren])
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
        cached = {"svg": svg_map(dots, title, bounds, panel_year, datasette.urls.path("/gemeente/")),
                  "aantal": len(dots), "tellingen": counts, "panel_jaar": panel_year,
                  "per_provincie": sorted(per_provincie.values(), key=lambda p: p["provincie"])}
        store.cache[("kaart", jaar)] = cached
    return await _render(datasette, request, "kaart.html", {"jaar": jaar, "jaren": store.jaren, **cached,
                                                            "jaargang": store.jaargangen[jaar]})


# --------------------------------------------------------------------------- hooks

@hookimpl
def startup(datasette):
    from datasette.plugins import pm
    security.remove_default_exception_handler(pm)

    async def inner():
        await get_store(datasette)
    return inner


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/robots\.txt$", robots_txt),
        (r"^/gemeente/?$", gemeente_zoeken),
        (r"^/gemeente/(?P<code>[A-Za-z0-9]+)/factsheet/?$", factsheet),
        (r"^/gemeente/(?P<code>[A-Za-z0-9]+)/?$", gemeente),
        (r"^/vragen/?$", vragen),
        (r"^/vraag/(?P<vraag_id>[A-Za-z0-9_]+)/?$", vraag),
        (r"^/kaart/?$", kaart),
    ]


def _materialized_views() -> list:
    """Views the build stored as tables (they are still computed overviews to the reader)."""
    try:
        from eenzaamheid.pipeline.load import MATERIALIZED_VIEWS
    except Exception:  # noqa: BLE001 - served without the project package: only real views
        return []
    return list(MATERIALIZED_VIEWS)


def _downloads(datasette) -> dict:
    """The exports in the served clean folder (next to the database), per table and format."""
    db = _database(datasette)
    folder = Path(db.path).parent if db.path else None
    prefix = "/" + STATIC_DOWNLOADS + "/"
    for mount, directory in getattr(datasette, "static_mounts", []):
        if folder and Path(directory).resolve() == folder.resolve():
            prefix = "/" + mount + "/"
            break
    prefix = datasette.urls.path(prefix)
    tables: dict = {}
    extra = []
    if folder and folder.is_dir():
        for fmt, label in EXPORT_FORMATS:
            sub = folder / fmt
            if not sub.is_dir():
                continue
            for f in sorted(sub.glob(f"*.{fmt}")):
                tables.setdefault(f.stem, []).append(
                    {"formaat": label, "url": f"{prefix}{fmt}/{f.name}", "bytes": f.stat().st_size})
        for name, label in ((ZIP_NAME, "Het hele datapakket (zip)"),
                            ("datapackage.json", "Beschrijving van het datapakket (Frictionless datapackage.json)"),
                            ("kwaliteitsrapport.html", "Kwaliteitsrapport van deze build: welke controles de data "
                                                       "doorstond, met alle afwijkende rijen"),
                            ("kwaliteitsrapport.json", "Hetzelfde kwaliteitsrapport als JSON")):
            if (folder / name).is_file():
                extra.append({"label": label, "url": prefix + name, "bytes": (folder / name).stat().st_size,
                              "naam": name})
    return {"tabellen": [{"naam": t, "bestanden": files} for t, files in sorted(tables.items())], "pakket": extra}


@hookimpl
def extra_template_vars(template, datasette, request):
    async def inner():
        store = await get_store(datasette)
        out = {"synthetisch": store.synthetisch, "site_nav": [
            ("Home", datasette.urls.instance()), ("Gemeenten", datasette.urls.path("/gemeente")),
            ("Vragen", datasette.urls.path("/vragen")), ("Kaart", datasette.urls.path("/kaart"))],
            "tabelrijen": table_rows(datasette, store.gemeenten), "queryrijen": query_rows(datasette)}
        if template == "index.html":
            db = _database(datasette)
            queries = await datasette.get_canned_queries(db.name, request.actor if request else None)
            views = sorted(await db.view_names() + _materialized_views())
            out["home"] = {
                "database": db.name,
                "queries": [{"name": name, "title": q.get("title") or name, "description": q.get("description"),
                             "url": datasette.urls.query(db.name, name)} for name, q in queries.items()],
                "downloads": store.cache.get("downloads") or store.cache.setdefault("downloads", _downloads(datasette)),
                "views": [v for v in views if v != "geaccepteerde_antwoorden"],
                "jaren": store.jaren,
                "aantal_gemeenten": sum(1 for g in store.gemeenten.values() if g["geldig_tot"] is None),
            }
        return out
    return inner


@hookimpl
def handle_exception(datasette, request, exception):
    """Every error page, HTML and JSON (Datasette's default handler is removed at startup, see
    security.remove_default_exception_handler). HTML goes through render_template, so it gets
    the banner. A request Datasette rejects is a 4xx with a Dutch message, never a 500."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    status = security.error_status(exception, Base400, DatasetteError)
    title = getattr(exception, "title", None) if isinstance(exception, DatasetteError) else None
    if status is None:
        status, message = 500, str(exception)
        traceback.print_exception(exception)
    elif isinstance(exception, DatasetteError):
        message = (Markup(security.without_inline_scripts(exception.message)) if exception.message_is_html
                   else exception.message)
    else:
        message = exception.args[0] if exception.args else ""
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": str(message), "status": status, "title": title}, status=status)
    if not isinstance(message, Markup):
        message = security.dutch_message(message)
    titles = {400: "Ongeldige aanvraag", 403: "Geen toegang", 404: "Niet gevonden", 405: "Niet toegestaan",
              500: "Er ging iets mis"}

    async def inner():
        try:
            html = await datasette.render_template(
                [f"{status}.html", "error.html"],
                {"ok": False, "error": message, "status": status, "title": title or titles.get(status, f"Fout {status}"),
                 "datasette_version": datasette_version, "metadata": datasette.metadata()},
                request=request, view_name="error")
        except Exception as error:  # noqa: BLE001 - the only handler left: always answer
            traceback.print_exception(error)
            return Response.text(f"{titles.get(status, 'Fout')} ({status})", status=status)
        return Response.html(html, status=status)
    return inner


@hookimpl(trylast=True)  # outermost: the security headers and refusals cover every other plugin too
def asgi_wrapper(datasette):
    """While the data is synthetic every response (CSV and JSON too) tells search engines not
    to index it. And the server reports itself ready only after the home page has been
    rendered once, so that no visitor waits for Datasette's first table counts."""

    def warm_before_ready(send):
        async def wrapped_send(event):
            if event.get("type") == "lifespan.startup.complete":
                try:
                    await datasette.client.get("/")
                except Exception:  # noqa: BLE001 - warming is an optimisation only
                    pass
            await send(event)
        return wrapped_send

    def wrap(app):
        async def add_header(scope, receive, send):
            if scope["type"] == "lifespan":
                return await app(scope, receive, warm_before_ready(send))
            if scope["type"] != "http":
                return await app(scope, receive, send)
            store = next(iter(_STORES.values()), None)
            if store is None or not store.synthetisch:
                return await app(scope, receive, send)

            async def wrapped_send(event):
                if event["type"] == "http.response.start":  # noindex and X-Synthetische-Data: ja
                    event = {**event, "headers": security.with_synthetic_headers(event.get("headers"))}
                await send(event)
            return await app(scope, receive, wrapped_send)
        return security.security_middleware(add_header, STATIC_DOWNLOADS)
    return wrap

"""The municipality pages (/gemeente, /gemeente/{code}, /gemeente/{code}/factsheet): search,
participation per year and a municipality's answers beside the province's and the country's
shares. Per request only the municipality's own rows are queried, through the indexes on
inzendingen(gemeente_code) and toelichtingen(gemeente_code), in one trip to the SQL thread."""
import re

from markupsafe import Markup

from eenzaamheid.site.charts import svg_comparison
from eenzaamheid.site.common import normalize, pct
from eenzaamheid.site.render import output_escape
from eenzaamheid.site.store import Store, rows, valid_on


def fetch_municipality(conn, code: str, opvolger_code: str, predecessors=()) -> tuple[list, list, list, dict]:
    """(deelname of its successor, its accepted answers, its accepted notes, the accepted answers
    of its merged predecessors by code) in one SQL trip."""
    deelname = rows(conn, "select * from deelname where gemeente_code = ? order by jaar", [opvolger_code])
    codes = [code, *predecessors]
    found = rows(conn, f"""
        select i.gemeente_code, i.jaar, i.inzending_id, i.provincie_code, a.vraag_id, a.item_code, a.optie_code, a.waarde
        from inzendingen i join antwoorden a on a.inzending_id = i.inzending_id
        where i.gemeente_code in ({",".join("?" * len(codes))}) and i.status = 'geaccepteerd'""", codes)
    notes = rows(conn, """
        select t.jaar, t.inzending_id, i.provincie_code, t.vraag_id, t.tekst
        from toelichtingen t join inzendingen i on i.inzending_id = t.inzending_id
        where t.gemeente_code = ? and i.status = 'geaccepteerd' order by t.toelichting_id""", [code])
    answers = [a for a in found if a["gemeente_code"] == code]
    by_predecessor: dict = {}
    for a in found:
        if a["gemeente_code"] != code:
            by_predecessor.setdefault(a["gemeente_code"], []).append(a)
    return deelname, answers, notes, by_predecessor


def search_municipalities(store: Store, q: str) -> list:
    """Municipalities whose name or code contains what was typed, best first. Aliases ('Den
    Haag') are the resolver's (zoeken.municipality_for), asked before this."""
    n = normalize(q)
    if not n:
        return []
    compact = n.replace(" ", "")
    code = None
    m = re.fullmatch(r"(?:gm)?0*(\d{1,4})", compact)
    if m:
        code = f"GM{int(m.group(1)):04d}"
    hits = []
    for g in store.gemeenten.values():
        if g["gemeente_code"] == code:
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
        existed = valid_on(g, f"{jaar}-01-01")
        if is_successor:
            took_part = bool(d.get("deelgenomen"))
        else:
            if not existed and own not in codes:
                continue
            took_part = own in codes
            codes = [own] if took_part else []
        # a panel flag only means something in the panel's own years
        flags = {name: (bool(d.get(f"lid_{name}")) if jaar in years else None)  # deelname's lid_<panel>
                 for name, years in store.panel_jaren.items()}
        out.append({"jaar": jaar, "bestond": existed, "deelgenomen": took_part,
                    "codes": [(c, store.gemeenten.get(c, {}).get("naam", c)) for c in codes],
                    "vast_panel": flags.get("vast_panel_2022_2024"), "groep": flags.get("groep_2022_2023")})
    return out


def question_blocks(j: dict, s: dict, g: dict, vraag_url: str) -> Markup:
    """`vraagblokken(j, s, g, vraag_url)` for _gemeente_jaar.html: a section's questions, each with
    its table of answers, as the Jinja loop they replace wrote them (`{{ ... }}` escaped the same
    way, the same white space): ~150 questions and ~150 answer rows a page, several times faster
    than Jinja's loops. tests/test_site_sync_frame.py compares it with the loop."""
    jaar = j["jaar"]
    year, provincie, naam = output_escape(jaar), output_escape(j["provincie"]), output_escape(g["naam"])
    out = []
    for q in s["vragen"]:
        vraag_id, onderwerp = output_escape(q["vraag_id"]), q["onderwerp"]
        if q["formulering"]:
            wording = f"‘{output_escape(q['formulering'])}’"
        else:
            wording = f"<em>De formulering van {year} is niet gepubliceerd.</em>"
        if q["vergelijkbaar"] == "nee":
            note = (f'<p class="breuk-noot"><strong>Niet vergelijkbaar met {output_escape(jaar - 1)}:</strong> '
                    f'{output_escape(q["reden"])}</p>\n        ')
        elif q["vergelijkbaar"] == "onzeker":
            note = (f'<p class="breuk-noot onzeker"><strong>Mogelijk niet vergelijkbaar met '
                    f'{output_escape(jaar - 1)}:</strong> {output_escape(q["reden"])}</p>')
        else:
            note = ""
        table = ""
        if q["regels"]:
            first = "Onderdeel" if q["type"] in ("matrix", "meervoudig") else "Vraag"
            rows = "".join(
                f'\n            <tr class="antwoord-rij" data-jaar="{year}" data-vraag="{vraag_id}" '
                f'data-item="{output_escape(r["item_code"])}" data-optie="{output_escape(r["optie_code"])}">\n'
                f'                <th scope="row">{output_escape(r["item"] or onderwerp)}</th>\n'
                f'                <td class="antwoord"><span class="markering" aria-hidden="true">●</span> '
                f'{output_escape(r["antwoord"])}</td>\n'
                f'                <td class="grafiek">{output_escape(r["svg"])}</td>\n'
                f'            </tr>\n            ' for r in q["regels"])
            table = ('\n        <table class="antwoorden">\n'
                     '            <colgroup><col class="c1"><col class="c2"><col class="c3"></colgroup>\n'
                     f'            <thead><tr><th scope="col">{first}</th><th scope="col">Antwoord {naam}</th>'
                     '<th scope="col">Aandeel gemeenten met <em>hetzelfde</em> antwoord in provincie '
                     f'{provincie} en Nederland</th></tr></thead>\n'
                     f'            <tbody>\n            {rows}\n            </tbody>\n        </table>\n        ')
        notes = "".join(f'<blockquote class="toelichting">{output_escape(t)}</blockquote>' for t in q["toelichtingen"])
        out.append(f'\n    <div class="vraagblok">\n'
                   f'        <h4><a href="{output_escape(vraag_url)}{vraag_id}">{output_escape(onderwerp)}</a></h4>\n'
                   f'        <p class="formulering">{wording}</p>\n'
                   f'        {note}\n        {table}\n        {notes}\n    </div>\n    ')
    return Markup("".join(out))


def answers_by_year(store: Store, answers: list, notes: list, charts: bool = True) -> list:
    """[{jaar, inzending_id, provincie, secties: [{label, vragen: [{..., regels, toelichtingen}]}]}],
    latest year first; every answer beside the province's and the country's share: as bars
    (`svg`, the municipality page: charts) or as text (`provincie_tekst`, `nederland_tekst`,
    the factsheet)."""
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
            item = o.get("item_label") or ""
            answer = store.label(a["vraag_id"], a["item_code"], a["optie_code"], a["jaar"]) or a["waarde"]
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
                if charts:
                    r["svg"] = svg_comparison(f"provincie {province}", r["provincie"], r["nederland"], r["antwoord"])
                    continue
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

"""A municipality at a glance: per question its answer beside the share of municipalities in the
province and in the Netherlands giving the question's headline answer, and its answers over the
years on one line with the comparability breaks marked.

The headline answer of a question is the codebook's `kerncijfer` (an option or option group, on
one row of a matrix or multiple-choice question, with its Dutch wording). Where the codebook has
none, a question without rows falls back to its 'ja'-options (option codes starting with `ja`):
"antwoordt ja". A municipality's cell on such a row says whether the statement holds for it
("Ja"/"Nee", gemeente_stelling.statement_holds; never the raw option of the row, which for an
item like `geen` means the opposite), or "niet gevraagd" / "niet beantwoord" / "geen inzending",
with what it actually ticked as the detail. The shares are sums of the published per-option shares
(views `aandelen` and `aandelen_per_provincie`, all respondents), so they add up exactly as the
reports add up options.
"""
import json

from markupsafe import Markup

from eenzaamheid.site.common import NOT_COMPARABLE, esc, pct
from eenzaamheid.site.pages.gemeente_kop import datum
from eenzaamheid.site.pages.gemeente_stelling import HOLDS, statement_holds, ticked_detail
from eenzaamheid.site.store import Store

NOT_ASKED, NOT_ANSWERED, NO_SUBMISSION = "niet gevraagd", "niet beantwoord", "geen inzending"


def _codebook_headlines() -> dict:
    """vraag_id -> the codebook's `kerncijfer` with its option group expanded (`opties`)."""
    try:
        from eenzaamheid import codebook
        book = codebook.load()
    except Exception:  # noqa: BLE001 - served without the project package: only the fallback
        return {}
    skips = {r["vraag_id"]: (r["als_vraag"], r["als_opties"]) for r in book.skip_rules()}
    out = {}
    for q in book.data["vragen"]:
        k = q.get("kerncijfer")
        if k:
            out[q["vraag_id"]] = {"item_code": k.get("item_code") or "", "opties": book.option_group(q["vraag_id"], k["optie"]),
                                  "label": k.get("label") or q.get("onderwerp"), "formulering": k.get("formulering"),
                                  "alleen_als": skips.get(q["vraag_id"])}
    return out


def headline_definitions(store: Store) -> dict:
    """vraag_id -> {item_code, opties, label, formulering, bron}; bron is 'codeboek' or 'ja-opties'."""
    cached = store.cache.get("kernantwoorden")
    if cached is not None:
        return cached
    book = _codebook_headlines()
    out = {}
    for v in store.vragen:
        vraag_id = v["vraag_id"]
        if vraag_id in book:
            out[vraag_id] = {**book[vraag_id], "bron": "codeboek"}
            continue
        opties = store.opties.get(vraag_id, [])
        if v["type"] not in ("ja_nee", "enkelvoudig") or any(o["item_code"] for o in opties):
            continue
        ja = [o for o in opties if o["optie_code"].startswith("ja")]
        if not ja:
            continue
        wording = "antwoordt ‘Ja’" if len(ja) == 1 else f"kiest een van de {len(ja)} ja-antwoorden"
        wording += f" op de vraag ‘{v['onderwerp']}’"
        out[vraag_id] = {"item_code": "", "opties": [o["optie_code"] for o in ja], "label": v["onderwerp"],
                         "formulering": wording, "bron": "ja-opties", "alleen_als": _skip_rule(v)}
    store.cache["kernantwoorden"] = out
    return out


def _skip_rule(v: dict):
    """(condition question, its option codes) of a question only asked after certain answers, as
    the database stores it (`vragen.alleen_als`); None if it has none or names an option group
    (only the codebook can expand a group)."""
    cond = json.loads(v.get("alleen_als") or "null")
    return (cond["vraag_id"], cond["opties"]) if cond and cond.get("opties") else None


def headline_share(table: dict, prefix: tuple, vraag_id: str, d: dict):
    """(aantal, basis, percentage) of the headline answer: the options' counts added up on the
    headline row; None when nobody in scope answered that row."""
    aantal, basis = 0, None
    for code in d["opties"]:
        share = table.get((*prefix, vraag_id, d["item_code"], code))
        if share:
            aantal += share[0]
            basis = share[1]
    if not basis:
        return None
    return aantal, basis, 100 * aantal / basis


def share_text(share) -> str:
    return f"{pct(share[2])} ({share[0]}/{share[1]})" if share else "–"


def svg_bar(share, label: str) -> Markup:
    """A small bar of a share (0–100%), for the compact block and the factsheet."""
    w = 0 if not share else round(60 * share[2] / 100, 1)
    return Markup(f'<svg class="minibalk" viewBox="0 0 60 10" width="60" height="10" role="img" '
                  f'aria-label="{esc(label)}: {pct(share[2]) if share else "geen cijfer"}">'
                  f'<rect class="spoor" x="0" y="0" width="60" height="10"/><rect class="balk" x="0" y="0" '
                  f'width="{w}" height="10"/></svg>')


def submissions_by_year(answers: list) -> dict:
    """jaar -> {(vraag_id, item_code): optie_code} of one municipality's accepted answers."""
    out: dict = {}
    for a in answers:
        out.setdefault(a["jaar"], {})[(a["vraag_id"], a["item_code"])] = a["optie_code"]
    return out


def answer_cell(store: Store, v: dict, d: dict | None, year_answers: dict | None, jaar: int) -> dict:
    """A municipality's cell for a question in a year: {tekst, kern (True/False/None), titel, detail}.
    With a headline definition `d` the cell says whether the statement holds ("Ja"/"Nee", kern
    True/False) and `detail` what was ticked; without one, the raw answer."""
    vraag_id = v["vraag_id"]
    if year_answers is None:
        return {"tekst": NO_SUBMISSION, "kern": None, "titel": f"geen geaccepteerde inzending in {jaar}", "detail": ""}
    if (vraag_id, jaar) not in store.versies or (d is not None and not _row_asked(store, vraag_id, d, jaar)):
        return {"tekst": NOT_ASKED, "kern": None, "titel": f"de vraag is in {jaar} niet gesteld", "detail": ""}
    own = _own_answers(store, vraag_id, year_answers)
    if d is not None:
        holds = statement_holds(d, v["type"], own)
        if holds is None:
            skipped = skipped_by(store, d, year_answers, jaar)
            if skipped:
                return {"tekst": NOT_ASKED, "kern": None, "titel": skipped, "detail": skipped}
            return {"tekst": NOT_ANSWERED, "kern": None, "detail": "",
                    "titel": f"inzending zonder antwoord op {'deze rij' if d['item_code'] else 'deze vraag'} in {jaar}"}
        detail = ticked_detail(d, v["type"], own, lambda item, optie: _labels(store, vraag_id, item, optie, jaar))
        return {"tekst": "Ja" if holds == HOLDS else "Nee", "kern": holds == HOLDS, "titel": detail, "detail": detail}
    if not own:
        return {"tekst": NOT_ANSWERED, "kern": None, "titel": f"geen antwoord op deze vraag in {jaar}", "detail": ""}
    if v["type"] == "meervoudig":
        return {"tekst": f"{len(own)} aangekruist", "kern": None, "titel": "", "detail": ""}
    if "" in own:
        return {"tekst": store.label(vraag_id, "", own[""], jaar) or own[""], "kern": None, "titel": "", "detail": ""}
    return {"tekst": f"{len(own)} onderdelen beantwoord", "kern": None, "titel": "zie de antwoorden per jaar",
            "detail": ""}


def skipped_by(store: Store, d: dict, year_answers: dict, jaar: int | None = None) -> str:
    """Why a question was not put to the municipality (skip logic, codebook `alleen_als`), in words
    (the answer as worded in `jaar`); '' when it was asked."""
    if not d.get("alleen_als"):
        return ""
    cond_id, cond_options = d["alleen_als"]
    given = year_answers.get((cond_id, ""))
    if given in cond_options:
        return ""
    if given is None:
        return f"overgeslagen: geen antwoord op ‘{(store.vraag.get(cond_id) or {}).get('onderwerp', cond_id)}’"
    return f"overgeslagen na het antwoord ‘{store.label(cond_id, '', given, jaar) or given}’"


def _own_answers(store: Store, vraag_id: str, year_answers: dict) -> dict:
    """{item_code: optie_code} of one question, in questionnaire order of its items."""
    order = {o["item_code"]: i for i, o in reversed(list(enumerate(store.opties.get(vraag_id, []))))}
    own = [(item, optie) for (q, item), optie in year_answers.items() if q == vraag_id]
    return dict(sorted(own, key=lambda a: order.get(a[0], 999)))


def _row_asked(store: Store, vraag_id: str, d: dict, jaar: int) -> bool:
    """The statement's row existed in that year's questionnaire (rows come and go, e.g. in 2024)."""
    years = [o["jaren_set"] for o in store.opties.get(vraag_id, []) if o["item_code"] == d["item_code"]]
    return not years or any(jaar in y or not y for y in years)


def _labels(store: Store, vraag_id: str, item: str, optie: str | None, jaar: int) -> tuple[str, str]:
    """(item label, option label) as the codebook words them in `jaar`."""
    label = store.label(vraag_id, item, optie, jaar) if optie is not None else None
    return _item_label(store, vraag_id, item), label or (optie or "")


def _item_label(store: Store, vraag_id: str, item: str) -> str:
    if not item:
        return ""
    return next((o["item_label"] for o in store.opties.get(vraag_id, []) if o["item_code"] == item), item)


def questions_shown(store: Store) -> list:
    """The closed questions in questionnaire order (open questions have no answer to line up)."""
    return [v for v in store.vragen if v["type"] != "open"]


def glance(store: Store, g: dict, answers: list) -> dict:
    """The compact block: the latest year with an accepted submission, per question with a
    headline answer the municipality's answer and the province's and the country's share."""
    definitions = headline_definitions(store)
    by_year = submissions_by_year(answers)
    latest_survey = store.jaren[-1] if store.jaren else None
    if not by_year:
        return {"jaar": None, "laatste_jaargang": latest_survey, "rijen": []}
    jaar = max(by_year)
    provincie_code = next(a["provincie_code"] for a in answers if a["jaar"] == jaar)
    provincie = store.provincies.get(provincie_code, provincie_code)
    rijen = []
    for v in questions_shown(store):
        d = definitions.get(v["vraag_id"])
        if d is None or (v["vraag_id"], jaar) not in store.versies:
            continue
        prov = headline_share(store.provincie, (jaar, provincie_code), v["vraag_id"], d)
        nl = headline_share(store.nederland, (jaar,), v["vraag_id"], d)
        versie = store.versies[(v["vraag_id"], jaar)]
        rijen.append({"vraag_id": v["vraag_id"], "label": d["label"], "formulering": d["formulering"],
                      "antwoord": answer_cell(store, v, d, by_year[jaar], jaar),
                      "provincie": share_text(prov), "nederland": share_text(nl),
                      "provincie_svg": svg_bar(prov, f"provincie {provincie}"), "nederland_svg": svg_bar(nl, "Nederland"),
                      "breuk": versie.get("vergelijkbaar_met_vorig_jaar") if versie.get("vergelijkbaar_met_vorig_jaar")
                      in NOT_COMPARABLE else None,
                      "reden": versie.get("reden")})
    return {"jaar": jaar, "laatste_jaargang": latest_survey, "provincie": provincie, "rijen": rijen}


def years_lines(store: Store, answers: list, years: list | None = None) -> dict:
    """Per closed question the municipality's answers over the years: {jaren, rijen: [{vraag_id,
    onderwerp, label, cellen: [{jaar, tekst, kern, titel, breuk, breuk_tekst}]}]}. A break
    (`vergelijkbaar_met_vorig_jaar` nee/onzeker) is marked on the year after it."""
    definitions = headline_definitions(store)
    by_year = submissions_by_year(answers)
    years = years or store.jaren
    rijen = []
    for v in questions_shown(store):
        d = definitions.get(v["vraag_id"])
        cellen = []
        asked_before = False
        for jaar in years:
            cell = answer_cell(store, v, d, by_year.get(jaar), jaar)
            versie = store.versies.get((v["vraag_id"], jaar)) or {}
            kind = versie.get("vergelijkbaar_met_vorig_jaar")
            cell["jaar"] = jaar
            cell["leeg"] = cell["tekst"] in (NOT_ASKED, NOT_ANSWERED, NO_SUBMISSION)
            cell["breuk"] = kind if asked_before and kind in NOT_COMPARABLE else None
            cell["breuk_tekst"] = (("niet vergelijkbaar met het jaar ervoor" if kind == "nee"
                                    else "mogelijk niet vergelijkbaar met het jaar ervoor")
                                   + (f": {versie.get('reden')}" if versie.get("reden") else "")
                                   if cell["breuk"] else "")
            asked_before = asked_before or bool(versie)
            cellen.append(cell)
        rijen.append({"vraag_id": v["vraag_id"], "onderwerp": v["onderwerp"],
                      "kern": d["formulering"] if d else None, "item": _item_label(store, v["vraag_id"], d["item_code"])
                      if d else "", "cellen": cellen})
    return {"jaren": list(years), "rijen": rijen, "deelname": [j in by_year for j in years]}


def predecessors(store: Store, g: dict, answers_by_code: dict) -> list:
    """A successor's merged predecessors with accepted answers, each with its years lines over the
    years in which it existed."""
    out = []
    for p in sorted(store.voorgangers.get(g["gemeente_code"], []), key=lambda x: x["zoek"]):
        own = answers_by_code.get(p["gemeente_code"]) or []
        years = [j for j in store.jaren if f"{j}-01-01" < (p["geldig_tot"] or "9999")]
        lines = years_lines(store, own, years) if own else None
        out.append({"g": p, "regels": lines, "jaren_deelgenomen": sorted({a["jaar"] for a in own}),
                    "opgeheven_per": datum(p["geldig_tot"])})
    return out

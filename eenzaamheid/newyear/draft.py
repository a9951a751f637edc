"""The draft year file: the comparison's outcome in the format `schemas/jaren/<jaar>.yaml` has.

Every continued question gets its version for the new year (header, comparability "ja"); every
change gets the codebook key that records it; every decision only a person can take is a string
starting with `TODO:` that says what to fill in. The codebook loader refuses a year file with a TODO
left, so a draft cannot be published half done.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import contract
from ..codebook import Codebook
from .columns import Columns, match_columns, question_id, slug
from .options import compare_options, previous_answers
from .questions import new_question
from .read import Delivered, date_format

TODO = "TODO"


@dataclass
class Finding:
    soort: str
    tekst: str
    vraag_id: str | None = None
    todo: bool = False


@dataclass
class Draft:
    year: int
    previous_year: int
    delivered: Delivered
    data: dict
    findings: list[Finding] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)   # questions that continue unchanged
    previous_known: bool = True                           # the previous delivery's answers were available


def draft_year(delivered: Delivered, book: Codebook, year: int, raw: Path, uitgenodigd: int | None = None) -> Draft:
    previous_year = book.years[-1]
    order = [f["name"] for f in contract.build_contract(previous_year, book)["fields"]]
    cols = match_columns(delivered, book, previous_year, order)
    before = previous_answers(book, previous_year, raw)
    draft = Draft(year, previous_year, delivered, {}, previous_known=before is not None)
    values = {h: delivered.values(h) for h in delivered.headers}
    source = f"L{year}"
    versions, not_asked = _continued(draft, book, cols, values, before, source)
    new_questions = _new_questions(draft, book, cols, values, versions, source)
    _moved(draft, book, cols)
    draft.data = {
        "jaar": year,
        "jaargang": {"uitgenodigd": uitgenodigd if uitgenodigd is not None else
                     "TODO: het aantal uitgenodigde gemeenten (een getal), of null als het niet bekend is",
                     "notitie": _summary(draft)},
        "levering": _delivery(draft, book, cols),
        "bronnen": {source: {"titel": f"Levering {year} van de leverancier (kolomkoppen en antwoorden)",
                             "bestand": delivered.path.name}},
        **({"nieuwe_vragen": new_questions} if new_questions else {}),
        "versies": dict(versions),
        **({"niet_gevraagd": not_asked} if not_asked else {}),
    }
    return draft


def _continued(draft: Draft, book: Codebook, cols: Columns, values: dict[str, Counter], before, source: str):
    year, previous_year = draft.year, draft.previous_year
    versions: list[tuple[str, dict]] = []
    not_asked: dict[str, str] = {}
    renamed = {r.new: r for r in cols.renames}
    for q in book.data["vragen"]:
        qid = q["vraag_id"]
        old = book.version(qid, previous_year)
        if old is None:
            continue
        mine = [(h, c) for h, c in cols.answers.items() if c.vraag_id == qid]
        added = cols.new_items.get(qid, [])
        if not mine and not added:
            not_asked[qid] = f"niet gevraagd (de levering {year} heeft geen kolom voor deze vraag)."
            draft.findings.append(Finding("vervallen", f"Geen kolom meer voor '{qid}' (in {previous_year}: "
                                          f"'{_first_header(old)}'). Voorstel: geen versie {year}, met een noot "
                                          "(niet_gevraagd). Controleer bij de leverancier dat de vraag echt is "
                                          "vervallen.", qid))
            continue
        version = _version(old, [h for h, _ in mine] + [h for h, _ in added], source, year)
        if "kolommen" in old:
            version["kolommen"], new_items = _item_columns(draft, q, old, mine, added, year)
            if new_items:
                version["nieuwe_items"] = new_items
        else:
            [(header, _)] = mine
            version["kolom"] = header
        draft.findings += [_renamed_finding(renamed[h], qid) for h, _ in mine if h in renamed]
        scale = mine[0][1] if mine else None
        changes = compare_options(mine + [(h, scale) for h, _ in added], values, before, year, previous_year) \
            if scale is not None else None
        _carry_over(version, book, q, old, previous_year)
        _option_changes(draft, version, changes, qid)
        if version["vergelijkbaar_met_vorig_jaar"] == "ja" and not any(h in renamed for h, _ in mine) and not added \
                and len(mine) == len(_old_headers(old)):
            draft.continued.append(qid)
        versions.append((qid, ordered(version)))
    return versions, not_asked


def _renamed_finding(r, qid: str) -> Finding:
    evidence = [f"tekst {r.ratio:.0%} gelijk, {r.words:.0%} van de woorden gedeeld"] + (["zelfde plaats in het bestand"] if r.same_place else [])
    evidence.append(f"{r.known} van de {r.known + r.unknown} geleverde waarden zijn opties van de oude kolom"
                    if r.old.labels else "beide vrije tekst")
    return Finding("hernoemd", f"'{r.old.header}' → '{r.new}': waarschijnlijk hernoemd ("
                   + "; ".join(evidence) + "). Bevestig dat het dezelfde vraag is; zo niet, "
                   "maak er een nieuwe vraag van.", qid)


def _option_changes(draft: Draft, version: dict, changes, qid: str) -> None:
    """Write the option changes against the previous year into the version, with their findings."""
    year, previous_year = draft.year, draft.previous_year
    if changes and changes.breaks_comparability:
        what = [f"optie {c} heet nu '{label}'" for c, label in changes.optielabels.items()]
        what += [f"optie {c} vervallen" for c in changes.vervallen]
        what += [f"nieuwe optie '{o['label']}'" for o in changes.nieuwe]
        version["vergelijkbaar_met_vorig_jaar"] = "onzeker"
        version["reden"] = (f"TODO: waarom is {year} misschien niet te vergelijken met {previous_year} "
                            f"({'; '.join(what)})? Eén zin. Weet u het zeker, zet dan ook "
                            "vergelijkbaar_met_vorig_jaar op ja of nee")
    if changes:
        version["optielabels"] = {**version.get("optielabels", {}), **changes.optielabels}
        version["vervallen_opties"] = sorted(set(version.get("vervallen_opties", [])) | set(changes.vervallen))
        if changes.nieuwe:
            version["nieuwe_opties"] = changes.nieuwe
        for key in ("optielabels", "vervallen_opties"):
            if not version[key]:
                del version[key]
        draft.findings += [Finding(s, t, qid, todo) for s, t, todo in changes.findings]


VERSION_KEYS = ("formulering", "bron", "vindplaats", "formulering_status", "kolom", "kolommen",
            "vergelijkbaar_met_vorig_jaar", "reden", "optielabels", "nieuwe_opties", "vervallen_opties",
            "nieuwe_items")


def ordered(version: dict) -> dict:
    """A version's keys in the codebook's order, so a draft reads like the year files beside it."""
    return {k: version[k] for k in VERSION_KEYS if k in version}


def _carry_over(version: dict, book: Codebook, q: dict, old: dict, previous_year: int) -> None:
    """What the previous year's version said about its options holds on unless the answers say otherwise:
    its wording of an option (`optielabels`) and the options it no longer offered (a year file names
    the options not offered that year, so a dropped option is dropped again)."""
    if old.get("optielabels"):
        version["optielabels"] = dict(old["optielabels"])
    offered = {o["optie_code"] for o in book.options(q["vraag_id"], previous_year)}
    dropped = [o["optie_code"] for o in q.get("opties", []) if o["optie_code"] not in offered]
    if dropped:
        version["vervallen_opties"] = dropped


def _first_header(version: dict) -> str:
    return version.get("kolom") or next(iter(version["kolommen"].values()))


def _old_headers(version: dict) -> list[str]:
    return [version["kolom"]] if "kolom" in version else list(version["kolommen"].values())


def _version(old: dict, headers: list[str], source: str, year: int) -> dict:
    """The new year's version of a continued question. The wording carries over only when every header
    still contains it (the header is the question as asked); otherwise it is not known for this year."""
    wording = old.get("formulering")
    known = bool(wording) and all(wording in h for h in headers)
    return {"formulering": wording if known else None, "bron": source,
            "vindplaats": f"Kolomkop in de levering {year}",
            "formulering_status": "gepubliceerd" if known else "niet_gepubliceerd",
            "vergelijkbaar_met_vorig_jaar": "ja", "reden": None}


def _item_columns(draft: Draft, q: dict, old: dict, mine, added, year: int) -> tuple[dict, list[dict]]:
    """item_code -> header (the old rows in their order, then the new ones) and the new rows (`nieuwe_items`)."""
    by_item = {c.item_code: h for h, c in mine}
    columns = {code: by_item[code] for code in old["kolommen"] if code in by_item}
    for code in old["kolommen"]:
        if code not in by_item:
            label = next(i["label"] for i in q["items"] if i["item_code"] == code)
            draft.findings.append(Finding("item_vervallen", f"Rij '{label}' ({code}) van '{q['vraag_id']}' heeft geen "
                                          f"kolom meer: in {year} niet gevraagd. Voorstel: niet in kolommen.",
                                          q["vraag_id"]))
    known = {i["item_code"] for i in q.get("items", [])}
    new_items = []
    for header, label in added:
        code = slug(label, 3)
        while code in known:
            code += "_2"
        known.add(code)
        columns[code] = header
        new_items.append({"item_code": code, "label": label})
        draft.findings.append(Finding("nieuw_item", f"Nieuwe rij bij '{q['vraag_id']}': '{label}' (kolom '{header}'). "
                                      f"Voorstel: item {code} (nieuwe_items), vanaf {year}.", q["vraag_id"]))
    return columns, new_items


def _new_questions(draft: Draft, book: Codebook, cols: Columns, values, versions: list, source: str) -> list[dict]:
    headers = draft.delivered.headers
    owner = {h: c.vraag_id for h, c in cols.answers.items()}
    out = []
    for group in cols.new_questions:
        before_me = [owner[h] for h in headers[:headers.index(group[0])] if h in owner]
        after = before_me[-1] if before_me else None
        stem = group[0].rpartition(" - ")[0] if len(group) > 1 else group[0]
        vraag_id = question_id(stem)
        while vraag_id in book.questions or vraag_id in owner.values():
            vraag_id += "_2"
        for h in group:
            owner[h] = vraag_id
        section = book.questions[after]["sectie"] if after in book.questions else None
        made = new_question(group, values, vraag_id, after, section, draft.year, source)
        out.append(made["definitie"])
        position = next((i + 1 for i, (qid, _) in enumerate(versions) if qid == after), len(versions))
        versions.insert(position, (vraag_id, ordered(made["versie"])))
        draft.findings.append(Finding("nieuw", "Nieuwe vraag uit kolom" + ("men " if len(group) > 1 else " ")
                                      + ", ".join(f"'{h}'" for h in group) + f": voorstel vraag_id {vraag_id}, type "
                                      f"{made['definitie']['type']}, na '{after}' (een andere code mag: verander haar dan op beide plaatsen, in "
                                      "nieuwe_vragen en versies). Vul onderwerp, sectie"
                                      + (" en kerncijfer" if "kerncijfer" in made["definitie"] else "") + " in.",
                                      vraag_id, todo=True))
    return out


def _moved(draft: Draft, book: Codebook, cols: Columns) -> None:
    """Questions whose columns stand elsewhere among the others than the year before: columns are read
    by their header, so this changes nothing; it is reported so that nobody is surprised."""
    order = {q["vraag_id"]: i for i, q in enumerate(book.data["vragen"])}
    seen = list(dict.fromkeys(c.vraag_id for h in draft.delivered.headers if (c := cols.answers.get(h))))
    ranks = [order[q] for q in seen]
    keep = _longest_increasing(ranks)
    for i, qid in enumerate(seen):
        if i not in keep:
            neighbour = seen[i - 1] if i else None
            draft.findings.append(Finding("verplaatst", f"De kolom(men) van '{qid}' staan nu " + (
                f"na die van '{neighbour}'" if neighbour else "vooraan") + f", anders dan in {draft.previous_year}. "
                "Kolommen worden op hun kop gelezen: niets gewijzigd.", qid))


def _longest_increasing(ranks: list[int]) -> set[int]:
    """Positions of one longest strictly increasing subsequence (O(n^2); n is the number of questions)."""
    best: list[list[int]] = []
    for i, r in enumerate(ranks):
        prior = [best[j] for j in range(i) if ranks[j] < r]
        best.append(max(prior, key=len, default=[]) + [i])
    return set(max(best, key=len, default=[]))


def _delivery(draft: Draft, book: Codebook, cols: Columns) -> dict:
    d, previous = draft.delivered, book.deliveries[draft.previous_year]
    out = {"formaat": d.formaat, "bestandspatroon": f"*{draft.year}*.{d.formaat}", "metadata_kolommen": cols.metadata}
    stamps = [v for key in ("starttijd", "eindtijd") if (h := cols.metadata.get(key)) in d.headers
              for v in d.values(h)]
    fmt = date_format([str(v) for v in stamps], previous.datumformaat)
    out["datumformaat"] = fmt or "TODO: het datumformaat van start- en eindtijd (strftime, bijv. '%d-%m-%Y %H:%M')"
    if d.formaat == "csv":
        out["scheidingsteken"] = d.scheidingsteken
        out["codering"] = d.codering if d.codering not in (None, "ascii") else (previous.codering or "utf-8")
    else:
        out["werkblad"] = d.werkblad
    if cols.other:
        out["overige_kolommen"] = dict(cols.other)
    for veld, (old, new) in cols.metadata_renamed.items():
        draft.findings.append(Finding("metadata_hernoemd", f"Metadataveld {veld}: '{old}' heet nu '{new}'."))
    for veld, old in cols.metadata_dropped.items():
        draft.findings.append(Finding("metadata_vervallen", f"Kolom '{old}' ({veld}) wordt niet meer geleverd."))
    for header in cols.other_new:
        described = not str(cols.other[header]).startswith(TODO)
        draft.findings.append(Finding("metadata_nieuw", f"Nieuwe kolom '{header}' vóór de antwoorden: een kolom van "
                                      "het enquêtesysteem (overige_kolommen; wordt gelezen, niet gepubliceerd)"
                                      + ("." if described else "; beschrijf wat erin staat."), todo=not described))
    for veld, header in cols.metadata.items():
        if str(header).startswith(TODO):
            draft.findings.append(Finding("metadata_ontbreekt", f"Metadataveld {veld} niet gevonden.", todo=True))
    for header in d.duplicate_headers:
        draft.findings.append(Finding("werkbladen", f"Kolomkop '{header}' staat meer dan eens in het bestand; alleen "
                                      "de eerste is gelezen. `valideer` meldt dit als fout: vraag de leverancier om "
                                      "een levering zonder dubbele kolommen."))
    if len(d.werkbladen) > 1:
        draft.findings.append(Finding("werkbladen", f"Het bestand heeft werkbladen {', '.join(d.werkbladen)}; "
                                      f"gelezen is '{d.werkblad}'."))
    return out


def _summary(draft: Draft) -> str:
    kinds = Counter(f.soort for f in draft.findings)
    names = {"nieuw": "nieuwe vraag", "vervallen": "vervallen vraag", "hernoemd": "hernoemde kolom",
             "anders_geformuleerd": "anders geformuleerde optie", "optie_vervallen": "vervallen optie",
             "nieuw_item": "nieuwe rij", "item_vervallen": "vervallen rij"}
    parts = [f"{n} {names[k]}" + ("" if n == 1 else "(s)") for k, n in kinds.items() if k in names]
    return (f"Levering {draft.year}: {draft.delivered.rows} inzendingen. Ten opzichte van {draft.previous_year}: "
            + (", ".join(parts) if parts else "geen wijzigingen in de vragenlijst") + " (opgesteld met eenzaamheid nieuw-jaar).")


def to_yaml(data: dict, header: str) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body


def todos(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every TODO left in a year file's text."""
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1)
            if TODO + ":" in line and not line.lstrip().startswith("#")]

"""A new question's definition, drafted from its column(s): type and options from the answers found.

What only a person can know — its subject, its section, whether it has a headline figure — is a
`TODO`; the wording is the header when the header reads as a question.
"""
from __future__ import annotations

from collections import Counter

from .columns import normal, slug, split_item

MAX_OPTIONS = 10    # more distinct answers than this are free text, not a list of options
YES_NO = {"ja": "Ja", "nee": "Nee"}


def infer_type(values: Counter) -> str:
    distinct = [str(v).strip() for v in values]
    if not distinct:
        return "open"
    if {normal(v) for v in distinct} <= set(YES_NO):
        return "ja_nee"
    if all(_number(v) for v in distinct):
        return "getal"
    if len(distinct) <= MAX_OPTIONS and sum(values.values()) >= 2 * len(distinct) and max(map(len, distinct)) <= 120:
        return "enkelvoudig"
    return "open"


def _number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def options_from(values: Counter, kind: str) -> list[dict]:
    if kind == "ja_nee":
        return [{"optie_code": code, "label": label} for code, label in YES_NO.items()]
    if kind not in ("enkelvoudig", "matrix"):
        return []
    codes: dict[str, str] = {}
    for value in values:  # first seen first: the order of the file, for the steward to check
        code = slug(str(value), 3)
        while code in codes.values():
            code += "_"
        codes[str(value).strip()] = code
    return [{"optie_code": code, "label": label} for label, code in codes.items()]


def new_question(headers: list[str], values: dict[str, Counter], vraag_id: str, after: str | None,
                 after_section: str | None, year: int, source: str) -> dict:
    """The definition (with `na`) and the year's version of a question first asked in `year`."""
    stem = split_item(headers[0])[0] if len(headers) > 1 else headers[0]
    combined = Counter()
    for h in headers:
        combined.update(values[h])
    if len(headers) > 1:
        labels = {h: split_item(h)[1].strip() for h in headers}
        ticked_own_label = all({normal(v) for v in values[h]} <= {normal(labels[h])} for h in headers)
        kind = "meervoudig" if ticked_own_label else "matrix"
        items = [{"item_code": slug(labels[h], 3), "label": labels[h]} for h in headers]
        options = ([{"optie_code": "gekozen", "label": "Gekozen"}] if kind == "meervoudig"
                   else options_from(combined, "ja_nee" if infer_type(combined) == "ja_nee" else "matrix"))
    else:
        kind, items = infer_type(combined), []
        options = options_from(combined, kind)
    definition = {"vraag_id": vraag_id, "na": after,
                  "sectie": "TODO: kies een sectie uit `secties` in schemas/codebook.yaml"
                            + (f"; de vraag ervoor in de levering ({after}) staat in {after_section}" if after else ""),
                  "type": kind,
                  "onderwerp": "TODO: waar gaat de vraag over, in een korte zin (de kop op de site)"}
    if options:
        definition["opties"] = options
    if items:
        definition["items"] = items
    if kind not in ("open", "getal"):
        definition["kerncijfer"] = ("TODO: null als de vraag geen kerncijfer heeft; anders {optie: <optie_code>, "
                                    "label: …, formulering: …, bron: …}")
    reads_as_question = stem.rstrip().endswith("?") and len(stem) > 15
    version = {"formulering": stem if reads_as_question else
               "TODO: de vraagtekst zoals gesteld (of null als die niet bekend is)",
               "bron": source, "vindplaats": f"Kolomkop in de levering {year}",
               "formulering_status": "gepubliceerd" if reads_as_question else
               "TODO: gepubliceerd als u de vraagtekst uit een bron hebt, anders niet_gepubliceerd"}
    if items:
        version["kolommen"] = {i["item_code"]: h for i, h in zip(items, headers)}
    else:
        version["kolom"] = headers[0]
    version.update({"vergelijkbaar_met_vorig_jaar": None, "reden": "Eerste jaar waarin de vraag voorkomt."})
    return {"definitie": definition, "versie": version}

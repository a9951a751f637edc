"""`antwoorden_breed`: one row per counted submission, one column per closed question or item.

The columns are generated from the codebook (schemas/codebook.yaml and schemas/jaren/), in questionnaire order, with
stable names over the years:

- `<vraag_id>` for a question without items (ja_nee, enkelvoudig): the chosen option code;
- `<vraag_id>__<item_code>` for a matrix row: the chosen option code of that row;
- `<vraag_id>__<item_code>` for a multiple-choice option (the item is the option): 1 ticked, 0 not
  ticked while the submission ticked at least one option of the question (the reports' base), empty
  when the question was not answered or the option was not offered that year. The mean of such a
  column is the share the reports print.

Open questions have no option codes; their text is in `toelichtingen`. Each generated column gets
a Table Schema field (title and description from the codebook: wording, item, options), appended to
the fixed fields of schemas/clean/antwoorden_breed.yaml by `cleanschema.load`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import codebook as cb

MULTIPLE = "meervoudig"
TICKED = "gekozen"  # the option code of a ticked box in antwoorden
NO_OPTION_CODES = ("open", "getal")


@dataclass(frozen=True)
class WideColumn:
    name: str
    vraag_id: str
    item_code: str  # "" for a question without items
    multiple: bool


def columns(book: cb.Codebook | None = None) -> list[WideColumn]:
    book = book or cb.load()
    out = []
    for q in book.data["vragen"]:
        if q["type"] in NO_OPTION_CODES:
            continue
        items = q.get("items") or []
        if not items:
            out.append(WideColumn(q["vraag_id"], q["vraag_id"], "", False))
        for item in items:
            out.append(WideColumn(f"{q['vraag_id']}__{item['item_code']}", q["vraag_id"], item["item_code"],
                                  q["type"] == MULTIPLE))
    return out


def _wording(book: cb.Codebook, vraag_id: str) -> str:
    """The latest published wording of the question, with its year."""
    for v in reversed(book.questions[vraag_id]["versies"]):
        if v.get("formulering"):
            return f" Formulering ({v['jaar']}): '{' '.join(str(v['formulering']).split())}'."
    return ""


def _option_text(book: cb.Codebook, vraag_id: str, option: dict) -> str:
    """'code = label'; a column spans years, so a year that worded the option otherwise (a version's
    `optielabels`) adds its words: "ja = Ja (in 2025: 'Ja, zeker')"."""
    other: dict[str, list[str]] = {}
    for year in book.years_asked(vraag_id):
        if year in option.get("jaren", [year]):
            words = book.option_label(vraag_id, option["optie_code"], year)
            if words != option["label"]:
                other.setdefault(words, []).append(str(year))
    return f"{option['optie_code']} = {option['label']}" + "".join(
        f" (in {', '.join(years)}: '{words}')" for words, years in other.items())


def fields(book: cb.Codebook | None = None) -> list[dict]:
    """Table Schema fields of the generated columns, described from the codebook."""
    book = book or cb.load()
    out = []
    for c in columns(book):
        q = book.questions[c.vraag_id]
        item = next((i for i in q.get("items") or [] if i["item_code"] == c.item_code), None)
        years = ", ".join(str(y) for y in (item["jaren"] if item else book.years_asked(c.vraag_id)))
        title = q["onderwerp"] + (f": {item['label']}" if item else "")
        head = f"Vraag {c.vraag_id} ({q['type']}): {q['onderwerp']}.{_wording(book, c.vraag_id)}"
        if item:
            head += f" {'Optie' if c.multiple else 'Rij'} {c.item_code}: '{item['label']}'."
        if c.multiple:
            description = (f"{head} 1 = aangevinkt; 0 = niet aangevinkt terwijl de gemeente minstens één optie van "
                           f"deze vraag aanvinkte; leeg = vraag niet beantwoord of optie dat jaar niet aangeboden. "
                           f"Aangeboden in: {years}.")
            out.append({"name": c.name, "type": "integer", "title": title, "description": description,
                        "constraints": {"enum": [0, 1]}})
            continue
        options = q.get("opties", [])
        listed = "; ".join(_option_text(book, c.vraag_id, o) for o in options)
        description = (f"{head} De gekozen optiecode: {listed}. Gevraagd in: {years}. Leeg = niet beantwoord, dat "
                       f"jaar niet gevraagd of een ongeldig antwoord (zie antwoorden_quarantaine).")
        out.append({"name": c.name, "type": "string", "title": title, "description": description,
                    "constraints": {"enum": [o["optie_code"] for o in options]}})
    return out


def wide_answers(frames: dict[str, pd.DataFrame], book: cb.Codebook | None = None) -> pd.DataFrame:
    """The wide table from the counted answers (frames['antwoorden'] holds only those), the accepted
    submissions and the municipalities."""
    book = book or cb.load()
    subs = frames["inzendingen"]
    subs = subs[subs["status"] == "geaccepteerd"]
    places = frames["gemeenten"].set_index("gemeente_code")[["naam", "provincie"]].rename(columns={"naam": "gemeente"})
    flags = [c for c in subs.columns if c.startswith("telt_in_")]
    out = subs[["inzending_id", "jaar", "gemeente_code", "opvolger_code", *flags, "synthetisch"]].join(
        places, on="gemeente_code").set_index("inzending_id")
    wanted = columns(book)
    answers = frames["antwoorden"][["inzending_id", "vraag_id", "item_code", "optie_code"]]
    answers = answers[answers["inzending_id"].isin(out.index)]
    # the counted answers' texts as plain strings (categorical in the build, compact.py)
    answers = answers.astype({c: "str" for c in answers.columns if isinstance(answers[c].dtype, pd.CategoricalDtype)})
    item = answers["item_code"].fillna("")
    answers = answers.assign(kolom=answers["vraag_id"].where(item == "", answers["vraag_id"] + "__" + item))
    single = {c.name for c in wanted if not c.multiple}
    chosen = answers[answers["kolom"].isin(single)].pivot(index="inzending_id", columns="kolom", values="optie_code")
    ticked = answers[~answers["kolom"].isin(single) & (answers["optie_code"] == TICKED)]
    answered = set(zip(ticked["inzending_id"], ticked["vraag_id"]))
    ticked_cells = set(zip(ticked["inzending_id"], ticked["kolom"]))
    year_of = out["jaar"].astype(int).to_dict()
    data = {}
    for c in wanted:
        if not c.multiple:
            data[c.name] = chosen[c.name].reindex(out.index) if c.name in chosen else pd.Series(None, index=out.index,
                                                                                                dtype=object)
            continue
        offered = {y: {i["item_code"] for i in book.items(c.vraag_id, y)} for y in book.years}
        data[c.name] = pd.Series([1 if (i, c.name) in ticked_cells else
                                  0 if (i, c.vraag_id) in answered and c.item_code in offered.get(year_of[i], ())
                                  else None for i in out.index], index=out.index, dtype="Int64")
    generated = pd.DataFrame(data, index=out.index)
    fixed = ["jaar", "gemeente_code", "gemeente", "provincie", "opvolger_code", *flags, "synthetisch"]
    return pd.concat([out[fixed], generated], axis=1).reset_index()

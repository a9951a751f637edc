"""References inside the merged questions of the codebook: every code a question names is defined,
every id is unique. Run by the merge (eenzaamheid/codebook_years.py) once every year file has added
its questions, options and items, so a reference to an option a later year adds is found."""
from __future__ import annotations

from typing import Iterator

from .errors import duplicates


def question_references(questions: list[dict], sections: set[str], types: set[str],
                        sources: set[str]) -> Iterator[tuple[str, tuple, str]]:
    """(vraag_id, key path within the question, Dutch problem) of every broken reference."""
    by_id = {q["vraag_id"]: q for q in questions}
    for q in questions:
        vid = q["vraag_id"]
        if q["sectie"] not in sections:
            yield vid, ("sectie",), f"onbekende sectie '{q['sectie']}'; bekend zijn {', '.join(sorted(sections))}."
        if q["type"] not in types:
            yield vid, ("type",), f"onbekend vraagtype '{q['type']}'; bekend zijn {', '.join(sorted(types))}."
        for key, code in (("opties", "optie_code"), ("items", "item_code"), ("optiegroepen", "groep_code")):
            entries = q.get(key) or []
            for n in duplicates(e[code] for e in entries):
                yield vid, (key, n, code), f"{code} '{entries[n][code]}' komt twee keer voor in vraag '{vid}'."
        yield from _codes(q, vid, by_id, sources)


def _codes(q: dict, vid: str, by_id: dict[str, dict], sources: set[str]) -> Iterator[tuple[str, tuple, str]]:
    options = {o["optie_code"] for o in q.get("opties") or []}
    groups = {g["groep_code"] for g in q.get("optiegroepen") or []}
    for n, group in enumerate(q.get("optiegroepen") or []):
        for m, code in enumerate(group["opties"]):
            if code not in options:
                yield vid, ("optiegroepen", n, "opties", m), f"onbekende optie '{code}' van vraag '{vid}'."
    headline = q.get("kerncijfer")
    if headline:
        if headline["optie"] not in options | groups:
            yield vid, ("kerncijfer", "optie"), f"onbekende optie of optiegroep '{headline['optie']}' van vraag '{vid}'."
        items = {i["item_code"] for i in q.get("items") or []}
        if headline.get("item_code") is not None and headline["item_code"] not in items:
            yield vid, ("kerncijfer", "item_code"), f"onbekend item '{headline['item_code']}' van vraag '{vid}'."
        if headline["bron"].split(" ", 1)[0] not in sources:
            yield vid, ("kerncijfer", "bron"), (f"begint niet met een bron (bekend zijn {', '.join(sorted(sources))}): "
                                                f"'{headline['bron']}'.")
    condition = q.get("alleen_als")
    if condition:
        other = by_id.get(condition["vraag_id"])
        if other is None:
            yield vid, ("alleen_als", "vraag_id"), f"onbekende vraag '{condition['vraag_id']}'."
            return
        if (condition.get("groep") is None) == (condition.get("opties") is None):
            yield vid, ("alleen_als",), "geef óf groep óf opties."
        if condition.get("groep") is not None and condition["groep"] not in {
                g["groep_code"] for g in other.get("optiegroepen") or []}:
            yield vid, ("alleen_als", "groep"), f"onbekende optiegroep '{condition['groep']}' van vraag '{other['vraag_id']}'."
        for m, code in enumerate(condition.get("opties") or []):
            if code not in {o["optie_code"] for o in other.get("opties") or []}:
                yield vid, ("alleen_als", "opties", m), f"onbekende optie '{code}' van vraag '{other['vraag_id']}'."


def codebook_references(book) -> Iterator[tuple[tuple, str]]:
    """Duplicate codes among the sections and the question types of schemas/codebook.yaml (a model.Codeboek)."""
    for key, code, entries in (("secties", "sectie", book.secties), ("typen", "type", book.typen)):
        for n in duplicates(getattr(e, code) for e in entries):
            yield (key, n, code), f"{code} '{getattr(entries[n], code)}' komt twee keer voor."

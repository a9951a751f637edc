"""The publication diff (diff.py) as people and programs read it: the `wijzigingen` table, the
CHANGELOG in the zip (WIJZIGINGEN.md), and the Dutch text / Markdown / JSON of `eenzaamheid verschil`.

The table is the one source of the published change record: the CHANGELOG and the site's section
"Wat is er veranderd sinds de vorige publicatie" are rendered from its rows, so a rebuild that
carries the rows over (nothing changed) also reproduces the CHANGELOG byte for byte.
"""
from __future__ import annotations

import json

import pandas as pd

from .. import templating
from ..tables import cleanschema
from .diff import CHANGES_TABLE, Diff, TableChange

CHANGELOG_NAME = "WIJZIGINGEN.md"
FIRST = "eerste_publicatie"
SUMMARY = "samenvatting"
SECTIONS = (("tabel", "Tabellen"), ("inzending", "Inzendingen"), ("antwoord", "Antwoorden"),
            ("cijfer", "Berekende cijfers"))


def _num(value) -> str:
    """A number the Dutch way: decimal comma, at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _who(code: str, names: dict[str, str]) -> str:
    return f"{names[code]} ({code})" if code in names else code


def _table_text(t: TableChange) -> str:
    if t.alleen_in == "nieuw":
        return f"Tabel {t.tabel} is nieuw ({_plural(len(t.toegevoegd), 'rij', 'rijen')})."
    if t.alleen_in == "oud":
        return f"Tabel {t.tabel} is vervallen (had {_plural(len(t.verwijderd), 'rij', 'rijen')})."
    text = (f"Tabel {t.tabel}: {_plural(len(t.toegevoegd), 'rij', 'rijen')} toegevoegd, "
            f"{len(t.verwijderd)} verwijderd, {len(t.gewijzigd)} gewijzigd.")
    if t.kolommen_toegevoegd:
        text += f" Nieuwe kolommen: {', '.join(t.kolommen_toegevoegd)}."
    if t.kolommen_verwijderd:
        text += f" Vervallen kolommen: {', '.join(t.kolommen_verwijderd)}."
    return text


def summary_text(diff: Diff) -> str:
    if diff.identical:
        return "Geen wijzigingen in de gegevens ten opzichte van de vorige publicatie."
    tables = sum(t.changed for t in diff.tabellen)
    return ("Ten opzichte van de vorige publicatie: " + _plural(tables, "tabel", "tabellen") + " gewijzigd, "
            + _plural(len(diff.inzendingen), "gemeente-jaar", "gemeente-jaren") + " met een nieuwe of vervallen "
            "getelde inzending, " + _plural(len(diff.antwoorden), "gewijzigd antwoord", "gewijzigde antwoorden")
            + " en " + _plural(len(diff.cijfers), "berekend cijfer", "berekende cijfers")
            + " met een andere waarde.")


def _row(soort: str, omschrijving: str, **values) -> dict:
    row = {name: None for name in cleanschema.field_names(CHANGES_TABLE)}
    row.update(soort=soort, omschrijving=omschrijving, **values)
    return row


def change_rows(diff: Diff) -> list[dict]:
    """The rows of the `wijzigingen` table for this diff, summary first, in a fixed order."""
    names = diff.gemeentenamen
    rows = [_row(SUMMARY, summary_text(diff))]
    for t in diff.tabellen:
        if t.changed:
            rows.append(_row("tabel", _table_text(t), tabel=t.tabel, toegevoegd=len(t.toegevoegd),
                             verwijderd=len(t.verwijderd), gewijzigd=len(t.gewijzigd)))
    for s in diff.inzendingen:
        text = (f"Nieuwe getelde inzending van {_who(s.gemeente_code, names)} voor {s.jaar}." if s.soort == "nieuw"
                else f"De inzending van {_who(s.gemeente_code, names)} voor {s.jaar} telt niet meer mee.")
        rows.append(_row("inzending", text, jaar=s.jaar, gemeente_code=s.gemeente_code,
                         oud=None if s.soort == "nieuw" else "geteld", nieuw="geteld" if s.soort == "nieuw" else None))
    for a in diff.antwoorden:
        item = f", item {a.item_code}" if a.item_code else ""
        rows.append(_row("antwoord", f"{_who(a.gemeente_code, names)}, {a.jaar}, vraag {a.vraag_id}{item}: "
                                     f"{a.oud or 'geen antwoord'} → {a.nieuw or 'geen antwoord'}.",
                         jaar=a.jaar, gemeente_code=a.gemeente_code, vraag_id=a.vraag_id,
                         item_code=a.item_code or None, oud=a.oud, nieuw=a.nieuw))
    for c in diff.cijfers:
        published = f" (gepubliceerd {_num(c.gepubliceerd)})" if c.gepubliceerd is not None else ""
        status = f"; {c.status_oud or 'geen'} → {c.status_nieuw or 'geen'}" if c.status_oud != c.status_nieuw else ""
        rows.append(_row("cijfer", f"Cijfer {c.cijfer_id}{published}: berekend {_num(c.oud)} → {_num(c.nieuw)}"
                                   f"{status}.", cijfer_id=c.cijfer_id,
                         oud=None if c.oud is None else repr(c.oud), nieuw=None if c.nieuw is None else repr(c.nieuw)))
    for i, row in enumerate(rows, start=1):
        row["wijziging_id"] = i
    return rows


def first_publication_rows() -> list[dict]:
    row = _row(FIRST, "Eerste publicatie: er was geen vorige publicatie om mee te vergelijken.")
    row["wijziging_id"] = 1
    return [row]


def unreadable_previous_rows(reason: str) -> list[dict]:
    row = _row(FIRST, f"De vorige publicatie was niet te lezen ({reason}); er is niet vergeleken.")
    row["wijziging_id"] = 1
    return [row]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=cleanschema.field_names(CHANGES_TABLE))


# --- Markdown (the CHANGELOG) -------------------------------------------------------------------

def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def changelog_markdown(rows: list[dict]) -> str:
    """WIJZIGINGEN.md: the `wijzigingen` rows as a Dutch CHANGELOG (templates/rapporten/wijzigingen.md)."""
    rows = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows]
    sections = [(title, soort, part) for soort, title in SECTIONS
                if (part := [r for r in rows if r["soort"] == soort])]
    return templating.render("wijzigingen.md", summary=[r["omschrijving"] for r in rows if r["soort"] in (SUMMARY, FIRST)],
                             sections=sections, cell=_cell, count=_int, note=_table_note)


def _table_note(row: dict) -> str:
    """What the counts do not say (new or dropped columns, a new or dropped table)."""
    text = row["omschrijving"]
    if text.startswith(f"Tabel {row['tabel']}:"):
        return text.partition(" gewijzigd.")[2].strip()
    return text


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def _int(value):
    return None if _missing(value) else int(value)


# --- `eenzaamheid verschil` ---------------------------------------------------------------------

def _key_dict(t: TableChange, key: tuple) -> dict:
    return dict(zip(t.sleutel, key))


def _limit(items: list, n: int) -> list:
    return items if n <= 0 else items[:n]


def as_json(diff: Diff, examples: int = 10) -> dict:
    tables = []
    for t in diff.tabellen:
        tables.append({
            "tabel": t.tabel, "gewijzigd": t.changed, "sleutel": t.sleutel, "alleen_in": t.alleen_in,
            "aantal_toegevoegd": len(t.toegevoegd), "aantal_verwijderd": len(t.verwijderd),
            "aantal_gewijzigd": len(t.gewijzigd),
            "kolommen_toegevoegd": t.kolommen_toegevoegd, "kolommen_verwijderd": t.kolommen_verwijderd,
            "toegevoegd": [_key_dict(t, k) for k in _limit(t.toegevoegd, examples)] if t.sleutel else [],
            "verwijderd": [_key_dict(t, k) for k in _limit(t.verwijderd, examples)] if t.sleutel else [],
            "rijen_gewijzigd": [{"sleutel": _key_dict(t, k), "kolommen": {c: {"oud": o, "nieuw": n}
                                                                         for c, (o, n) in cols.items()}}
                                for k, cols in _limit(t.gewijzigd, examples)],
        })
    return {
        "oud": diff.oud, "nieuw": diff.nieuw, "identiek": diff.identical, "samenvatting": summary_text(diff),
        "tabellen": tables,
        "inzendingen": [{"jaar": s.jaar, "gemeente_code": s.gemeente_code,
                         "gemeente": diff.gemeentenamen.get(s.gemeente_code), "soort": s.soort}
                        for s in diff.inzendingen],
        "antwoorden": [{"jaar": a.jaar, "gemeente_code": a.gemeente_code,
                        "gemeente": diff.gemeentenamen.get(a.gemeente_code), "vraag_id": a.vraag_id,
                        "item_code": a.item_code, "oud": a.oud, "nieuw": a.nieuw} for a in diff.antwoorden],
        "cijfers": [{"cijfer_id": c.cijfer_id, "gepubliceerd": c.gepubliceerd, "oud": c.oud, "nieuw": c.nieuw,
                     "status_oud": c.status_oud, "status_nieuw": c.status_nieuw} for c in diff.cijfers],
    }


def json_text(diff: Diff, examples: int = 10) -> str:
    return json.dumps(as_json(diff, examples), ensure_ascii=False, indent=2) + "\n"


def _fmt(value) -> str:
    return "leeg" if value is None else repr(value) if isinstance(value, str) else str(value)


def text(diff: Diff, examples: int = 10) -> str:
    """Dutch plain text: the summary, per changed table its counts and example keys, then answers and figures."""
    lines = [f"Oud:   {diff.oud}", f"Nieuw: {diff.nieuw}", "", summary_text(diff)]
    for t in diff.tabellen:
        if not t.changed:
            continue
        lines += ["", _table_text(t)]
        if not t.sleutel:
            continue
        for label, keys in (("toegevoegd", t.toegevoegd), ("verwijderd", t.verwijderd)):
            for k in _limit(keys, examples):
                lines.append(f"  {label}: " + ", ".join(f"{c}={_fmt(v)}" for c, v in _key_dict(t, k).items()))
        for k, cols in _limit(t.gewijzigd, examples):
            where = ", ".join(f"{c}={_fmt(v)}" for c, v in _key_dict(t, k).items())
            what = "; ".join(f"{c}: {_fmt(o)} → {_fmt(n)}" for c, (o, n) in cols.items())
            lines.append(f"  gewijzigd: {where}: {what}")
        hidden = sum(max(0, len(x) - examples) for x in (t.toegevoegd, t.verwijderd, t.gewijzigd)) if examples > 0 else 0
        if hidden:
            lines.append(f"  … en nog {hidden} (alle rijen met --voorbeelden 0)")
    rows = change_rows(diff)
    for soort, title in SECTIONS[1:]:
        part = [r for r in rows if r["soort"] == soort]
        if part:
            lines += ["", f"{title}:"] + [f"  {r['omschrijving']}" for r in part]
    return "\n".join(lines) + "\n"


def markdown(diff: Diff) -> str:
    return changelog_markdown(change_rows(diff))

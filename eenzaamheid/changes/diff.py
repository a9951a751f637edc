"""The publication diff: what changed between two publications of the clean tables.

Publications are read by diff_read.py (a database, a data package or a build's frames, all in one
canonical form). Three views of the difference:
- per table the rows added, removed and changed, matched on the table's primary key
  (schemas/clean; a table whose key columns are not in both publications, or whose key only numbers
  the rows, is matched on whole rows);
- per municipality, year and question the counted answers that changed (old -> new option), and
  the municipality-years that gained or lost a counted submission;
- per published figure the computed value (table `reconciliatie`) that moved.

Rendering (Dutch text, Markdown, JSON, the `wijzigingen` table) is in diff_report.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..tables import cleanschema
from .diff_read import (CHANGES_TABLE, Publication, PublicationError, Table, from_frames,  # noqa: F401
                        read_changes, read_database, read_package, read_publication)

ACCEPTED = "geaccepteerd"
# Keys that only number the rows in order (log_id counts the cleaning log of all deliveries): one row
# more in an early delivery renumbers everything after it. Such tables are matched on their other
# columns (rows added and removed, never "changed"), and the number itself is not compared.
SEQUENCE_KEYS = {"opschoonlog": "log_id"}


@dataclass
class TableChange:
    tabel: str
    sleutel: list[str]
    toegevoegd: list[tuple] = field(default_factory=list)   # keys
    verwijderd: list[tuple] = field(default_factory=list)
    gewijzigd: list[tuple[tuple, dict]] = field(default_factory=list)  # key, {column: (old, new)}
    kolommen_toegevoegd: list[str] = field(default_factory=list)
    kolommen_verwijderd: list[str] = field(default_factory=list)
    alleen_in: str | None = None   # 'oud' or 'nieuw' when the table is in one publication only

    @property
    def changed(self) -> bool:
        return bool(self.toegevoegd or self.verwijderd or self.gewijzigd or self.kolommen_toegevoegd
                    or self.kolommen_verwijderd or self.alleen_in)


@dataclass
class AnswerChange:
    jaar: int
    gemeente_code: str
    vraag_id: str
    item_code: str
    oud: str | None     # option code(s), None = not answered
    nieuw: str | None


@dataclass
class SubmissionChange:
    jaar: int
    gemeente_code: str
    soort: str          # 'nieuw' (now counted) or 'vervallen' (no longer counted)


@dataclass
class FigureChange:
    cijfer_id: str
    oud: float | None
    nieuw: float | None
    status_oud: str | None
    status_nieuw: str | None
    gepubliceerd: float | None


@dataclass
class Diff:
    oud: str
    nieuw: str
    tabellen: list[TableChange]
    inzendingen: list[SubmissionChange]
    antwoorden: list[AnswerChange]
    cijfers: list[FigureChange]
    gemeentenamen: dict[str, str] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not (any(t.changed for t in self.tabellen) or self.inzendingen or self.antwoorden or self.cijfers)


# --- comparing --------------------------------------------------------------------------------

def _common_columns(name: str, old: Table, new: Table) -> list[str]:
    return [c for c in old.columns if c in new.columns and c != SEQUENCE_KEYS.get(name)]


def _key_columns(name: str, old: Table, new: Table) -> list[str]:
    key = cleanschema.primary_key(name) if name in cleanschema.TABLES and name not in SEQUENCE_KEYS else []
    if key and all(c in old.columns and c in new.columns for c in key):
        return key
    return _common_columns(name, old, new)  # whole rows: only added and removed


def _keyed(table: Table, columns: list[str], key: list[str]) -> dict[tuple, tuple]:
    at = [table.columns.index(c) for c in columns]
    rows = table.rows if at == list(range(len(table.columns))) else [tuple(r[i] for i in at) for r in table.rows]
    k = [columns.index(c) for c in key]
    out: dict[tuple, tuple] = {}
    if len(k) == 1:
        i = k[0]
        for row in rows:
            out.setdefault((row[i],), row)
    else:
        for row in rows:
            out.setdefault(tuple(row[i] for i in k), row)
    return out


def compare_table(name: str, old: Table | None, new: Table | None) -> TableChange:
    if old is None or new is None:
        only = new or old
        return TableChange(name, [], alleen_in="nieuw" if old is None else "oud",
                           **({"toegevoegd": [()] * len(only.rows)} if old is None else
                              {"verwijderd": [()] * len(only.rows)}))
    key = _key_columns(name, old, new)
    common = _common_columns(name, old, new)
    change = TableChange(name, key, kolommen_toegevoegd=[c for c in new.columns if c not in old.columns],
                         kolommen_verwijderd=[c for c in old.columns if c not in new.columns])
    a, b = _keyed(old, common, key), _keyed(new, common, key)
    change.toegevoegd = sorted((k for k in b if k not in a), key=_sort_key)
    change.verwijderd = sorted((k for k in a if k not in b), key=_sort_key)
    for k in sorted((k for k in a if k in b and a[k] != b[k]), key=_sort_key):
        change.gewijzigd.append((k, {c: (x, y) for c, x, y in zip(common, a[k], b[k]) if x != y}))
    return change


def _sort_key(key: tuple) -> tuple:
    return tuple(("" if v is None else str(v)) if not isinstance(v, (int, float)) else f"{v:020.6f}" for v in key)


def counted_answers(pub: Publication) -> dict[tuple, dict[tuple, str]] | None:
    """(jaar, gemeente_code) -> {(vraag_id, item_code): option code(s)} over counted submissions;
    None when the publication lacks the tables or columns."""
    subs, answers = pub.tables.get("inzendingen"), pub.tables.get("antwoorden")
    need_s, need_a = {"inzending_id", "jaar", "gemeente_code", "status"}, {"inzending_id", "vraag_id", "item_code",
                                                                           "optie_code"}
    if subs is None or answers is None or not need_s <= set(subs.columns) or not need_a <= set(answers.columns):
        return None
    sid, year, code, status = (subs.columns.index(c) for c in ("inzending_id", "jaar", "gemeente_code", "status"))
    whose = {r[sid]: (r[year], r[code]) for r in subs.rows if r[status] == ACCEPTED and r[code]}
    out: dict[tuple, dict[tuple, str]] = {k: {} for k in whose.values()}
    aid, question, item, option = (answers.columns.index(c) for c in ("inzending_id", "vraag_id", "item_code",
                                                                       "optie_code"))
    for r in answers.rows:
        owner = whose.get(r[aid])
        if owner is None:
            continue
        given, key, code = out[owner], (r[question], r[item] or ""), str(r[option])
        before = given.get(key)  # two counted submissions of one municipality and year: both options
        given[key] = code if before is None else ", ".join(sorted({*before.split(", "), code}))
    return out


def compare_answers(old: Publication, new: Publication) -> tuple[list[SubmissionChange], list[AnswerChange]]:
    a, b = counted_answers(old), counted_answers(new)
    if a is None or b is None:
        return [], []
    subs = [SubmissionChange(j, g, "nieuw") for j, g in b if (j, g) not in a]
    subs += [SubmissionChange(j, g, "vervallen") for j, g in a if (j, g) not in b]
    answers = []
    for owner in a.keys() & b.keys():
        before, after = a[owner], b[owner]
        for q in before.keys() | after.keys():
            if before.get(q) != after.get(q):
                answers.append(AnswerChange(owner[0], owner[1], q[0], q[1], before.get(q), after.get(q)))
    subs.sort(key=lambda s: (s.jaar, s.gemeente_code))
    answers.sort(key=lambda c: (c.jaar, c.gemeente_code, c.vraag_id, c.item_code))
    return subs, answers


def compare_figures(old: Publication, new: Publication) -> list[FigureChange]:
    def figures(pub):
        t = pub.tables.get("reconciliatie")
        if t is None or not {"cijfer_id", "berekend", "status"} <= set(t.columns):
            return None
        return {r["cijfer_id"]: (r["berekend"], r["status"]) for r in t.records()}
    a, b = figures(old), figures(new)
    if a is None or b is None:
        return []
    published = {}
    for pub in (old, new):
        t = pub.tables.get("gepubliceerde_cijfers")
        if t is not None and {"cijfer_id", "waarde"} <= set(t.columns):
            published.update({r["cijfer_id"]: r["waarde"] for r in t.records()})
    out = []
    for cid in sorted(a.keys() | b.keys()):
        (x, sx), (y, sy) = a.get(cid, (None, None)), b.get(cid, (None, None))
        if x != y or sx != sy:
            out.append(FigureChange(cid, x, y, sx, sy, published.get(cid)))
    return out


def municipality_names(*pubs: Publication) -> dict[str, str]:
    names: dict[str, str] = {}
    for pub in pubs:
        t = pub.tables.get("gemeenten")
        if t is not None and {"gemeente_code", "naam"} <= set(t.columns):
            names.update({r["gemeente_code"]: r["naam"] for r in t.records()})
    return names


def compare(old: Publication, new: Publication) -> Diff:
    order = list(dict.fromkeys([*cleanschema.TABLES, *old.tables, *new.tables]))
    tables = [compare_table(n, old.tables.get(n), new.tables.get(n)) for n in order
              if n != CHANGES_TABLE and (n in old.tables or n in new.tables)]
    subs, answers = compare_answers(old, new)
    return Diff(old.label, new.label, tables, subs, answers, compare_figures(old, new),
                municipality_names(old, new))

"""Harmonize one validated delivery: wide rows -> submissions, long answers, free text, cleaning log.

Input: the RawTable from `ingest` and the problems `validate` found in it. Output: four
DataFrames. Every delivered row becomes exactly one submission with a status; contact
columns are never copied; every normalization of a delivered value is written to the log.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import codebook as cb
from ..municipalities import register
from ..problems import Problem
from .. import compact
from ..validation.fate import Fate
from ..intake.ingest import RawTable
from ..privacy import mask, redact

ACCEPTED, REPLACED, QUARANTINED = "geaccepteerd", "vervangen_duplicaat", "in_quarantaine"


@dataclass
class Harmonized:
    inzendingen: pd.DataFrame
    antwoorden: pd.DataFrame
    toelichtingen: pd.DataFrame
    opschoonlog: pd.DataFrame
    antwoorden_quarantaine: pd.DataFrame  # answers set aside on their own, with rule and reason
    antwoorden_geleverd: int = 0          # filled cells of the closed answer columns in the file


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _iso(value: str | None, fmt: str) -> str | None:
    stamp = pd.to_datetime(value, format=fmt, errors="coerce")
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%dT%H:%M:%S")


def _iso_all(values: pd.Series, fmt: str) -> list[str | None]:
    """_iso of every value, parsed in one call (per distinct value when the format has a time zone,
    where one call could mix offsets)."""
    if "%z" in fmt or "%Z" in fmt:
        return [_iso(v, fmt) for v in values]
    stamps = pd.to_datetime(pd.Series(values.to_numpy(dtype=object), dtype=object), format=fmt, errors="coerce")
    return [None if pd.isna(t) else t.strftime("%Y-%m-%dT%H:%M:%S") for t in stamps]


def _filled(values: pd.Series) -> pd.Series:
    """The cells with an answer: not None and not only whitespace."""
    values = values.dropna()
    return values[values.str.strip() != ""]


@dataclass
class _Delivery:
    """What the three jobs share: the delivered frame, the fate of its rows and the cleaning log."""
    year: int
    bestand: str
    frame: pd.DataFrame
    fate: Fate
    log: list[dict] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    def note(self, regel, rij, kolom, voor, na) -> None:
        self.log.append({"regel": regel, "bestand": self.bestand, "rij": rij, "kolom": kolom, "voor": voor,
                         "na": na, "inzending_id": f"{self.year}-{rij:05d}"})


def harmonize(raw: RawTable, problems: list[Problem], bestand: str, synthetic: bool) -> Harmonized:
    """`bestand` is the path relative to raw/ under which the file is registered in the manifest.
    Three jobs in turn: the submissions (one per delivered row), then column by column the free
    text or the closed answers; all three write to one cleaning log, in this order."""
    book = cb.load()
    # status per row from the validation problems (see fate): errors on the row's identity or the
    # file quarantine the row whole, an error in one answer only that answer
    work = _Delivery(raw.year, bestand, raw.frame, Fate.of(problems, raw.year))
    inzendingen = _submissions(work, raw, book.deliveries[raw.year], synthetic)
    if len(work.frame):
        work.ids = inzendingen["inzending_id"].to_numpy(dtype=object)
    # answers column by column, vectorized: a label is looked up once per distinct delivered value
    answer_parts: list[dict[str, np.ndarray]] = []
    held: list[dict] = []   # answers in quarantine on their own (antwoorden_quarantaine)
    delivered_answers = 0   # filled cells of the closed answer columns: the per-answer accounting
    texts: list[dict] = []
    for col in book.answer_columns(raw.year):
        if col.header not in work.frame.columns:
            continue
        values = _filled(work.frame[col.header])
        if col.type == "open":
            texts.extend(_free_text(work, col, values))
            continue
        delivered_answers += len(values)
        part, held_here = _closed_answers(work, col, values)
        answer_parts.append(part)
        held.extend(held_here)
    return Harmonized(
        inzendingen=inzendingen,
        antwoorden=_answers_frame(answer_parts),
        toelichtingen=_texts_frame(texts, inzendingen),
        opschoonlog=pd.DataFrame(work.log, columns=["regel", "bestand", "rij", "kolom", "voor", "na", "inzending_id"]),
        antwoorden_quarantaine=pd.DataFrame(held, columns=HELD_COLUMNS),
        antwoorden_geleverd=delivered_answers,
    )


def _submissions(work: _Delivery, raw: RawTable, delivery, synthetic: bool) -> pd.DataFrame:
    """Job 1: every delivered row as one submission with its status, municipality and times."""
    year, meta, frame = work.year, delivery.metadata_kolommen, work.frame
    answers_held: dict[int, list[Problem]] = {}
    for (rij, _), found in sorted(work.fate.answer_errors.items()):
        answers_held.setdefault(rij, []).extend(found)

    def column(name):
        header = meta[name]
        return frame[header] if header in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    resolved = {v: register().resolve(year, v) for v in column("gemeente").dropna().unique()}
    # per row, as Python values: Series.get per row costs more than the whole conversion
    respons_ids = column("respons_id").tolist()
    starts = _iso_all(column("starttijd"), delivery.datumformaat)
    ends = _iso_all(column("eindtijd"), delivery.datumformaat)
    subs = []
    for i, (rij, gemeente) in enumerate(column("gemeente").items()):
        res = resolved.get(gemeente)
        status, reden = _status(rij, work.fate, answers_held)
        if status == QUARANTINED:
            work.note("quarantaine", rij, None, None, reden)
        elif status == REPLACED:
            work.note("dubbele_inzending", rij, meta["gemeente"], gemeente, reden)
        if res is not None and res.ok and res.methode not in ("cbs_code", "officiele_naam"):
            work.note("gemeente_variant", rij, meta["gemeente"], gemeente, f"{res.naam} ({res.gemeente_code})")
        subs.append({
            "inzending_id": f"{year}-{rij:05d}", "jaar": year, "bestand": work.bestand, "rij": rij,
            "respons_id": respons_ids[i],
            "starttijd": starts[i],
            "eindtijd": ends[i],
            "gemeente_geleverd": gemeente,
            "gemeente_code": res.gemeente_code if res else None,
            "opvolger_code": res.opvolger_code if res else None,
            "provincie_code": res.provincie_code if res else None,
            "resolutie": res.methode if res else "leeg",
            "status": status, "reden": reden, "synthetisch": int(synthetic),
        })
    for sheet, first, last, offset in raw.sheets[1:]:  # rows read from another worksheet: where each one is
        for rij in range(first, last + 1):
            work.note("werkblad", rij, None, f"werkblad '{sheet}', rij {rij - offset}", f"rij {rij}")
    return pd.DataFrame(subs)


def _status(rij: int, fate: Fate, answers_held: dict[int, list[Problem]]) -> tuple[str, str | None]:
    """A row's status and the reason a person reads: the first that applies, in this order."""
    if rij in fate.empty:
        return QUARANTINED, "Lege rij: geen antwoorden geleverd."
    if fate.file_errors:
        return QUARANTINED, ("Het bestand voldoet niet aan het contract: "
                             + "; ".join(sorted({p.regel for p in fate.file_errors})))
    if rij in fate.row_errors:
        return QUARANTINED, " | ".join(f"{p.regel} ({p.kolom}): {p.melding}" for p in fate.row_errors[rij])
    if rij in fate.replaced:
        return REPLACED, f"dubbele_inzending: {fate.replaced[rij].melding}"
    if rij in answers_held:
        return ACCEPTED, (f"Telt mee; {len(answers_held[rij])} antwoord(en) apart gezet in antwoorden_quarantaine: "
                          + "; ".join(f"{p.regel} ({p.kolom})" for p in answers_held[rij]) + ".")
    return ACCEPTED, None


def _free_text(work: _Delivery, col, values: pd.Series) -> list[dict]:
    """Job 2: the filled cells of one open question, redacted (each distinct text once)."""
    rows = values.index.to_numpy()
    positions = work.frame.index.get_indexer(rows)
    redacted = {}
    texts = []
    for rij, text, pos in zip(rows.tolist(), values.tolist(), positions.tolist()):
        if text not in redacted:
            redacted[text] = redact(text)
        clean, n = redacted[text]
        if n:
            work.note("redactie", rij, col.header, mask(text), clean)
        texts.append({"toelichting_id": f"{work.ids[pos]}:{col.vraag_id}", "inzending_id": work.ids[pos],
                      "jaar": work.year, "vraag_id": col.vraag_id, "tekst": clean, "aantal_redacties": n,
                      "bron_kolom": col.header})
    return texts


def _closed_answers(work: _Delivery, col, values: pd.Series) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Job 3: the filled cells of one closed column as answer rows (columns of ANSWER_COLUMNS), and the
    answers set aside on their own: outside the options, or with an error on the cell."""
    rows = values.index.to_numpy()
    lookup = {_norm(label): (code, label) for label, code in zip(col.labels, col.codes)}
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    hits = [lookup.get(_norm(v)) for v in distinct]
    known = np.array([h is not None for h in hits], dtype=bool)[codes] if len(distinct) else np.zeros(0, bool)
    flagged = np.isin(rows, [r for r, h in work.fate.answer_errors if h == col.header])
    keep = known & ~flagged
    held = [_held_answer(work, col, rij, value)
            for rij, value in zip(rows[~keep].tolist(), values.to_numpy(dtype=object)[~keep].tolist())]
    codes, rows = codes[keep], rows[keep]
    raw_values = np.asarray(distinct, dtype=object)[codes]
    labels = _objects([h[1] if h else None for h in hits])[codes]
    for rij, value, label in zip(rows.tolist(), raw_values.tolist(), labels.tolist()):
        if value != label:
            work.note("antwoord_opmaak", rij, col.header, value, label)
    n = len(rows)
    return {
        "inzending_id": work.ids[work.frame.index.get_indexer(rows)], "jaar": _repeat(work.year, n),
        "vraag_id": _repeat(col.vraag_id, n), "item_code": _repeat(col.item_code or "", n),
        "optie_code": _objects([h[0] if h else None for h in hits])[codes], "waarde": labels,
        "ruwe_waarde": raw_values, "bron_kolom": _repeat(col.header, n)}, held


def _held_answer(work: _Delivery, col, rij: int, value) -> dict:
    found = work.fate.answer_errors.get((rij, col.header), [])
    regel = found[0].regel if found else "antwoord_onbekend"
    reden = (" | ".join(f"{p.regel}: {p.melding}" for p in found) if found else
             f"'{value}' is geen toegestaan antwoord; alleen dit antwoord telt niet mee.")
    return {"inzending_id": f"{work.year}-{rij:05d}", "jaar": work.year, "vraag_id": col.vraag_id,
            "item_code": col.item_code or "", "bron_kolom": col.header,
            "ruwe_waarde": value, "regel": regel, "reden": reden}


def _texts_frame(texts: list[dict], inzendingen: pd.DataFrame) -> pd.DataFrame:
    toelichtingen = pd.DataFrame(texts, columns=["toelichting_id", "inzending_id", "jaar", "vraag_id", "tekst",
                                                 "aantal_redacties", "bron_kolom"])
    codes = inzendingen.set_index("inzending_id")["gemeente_code"] if len(inzendingen) else pd.Series(dtype=object)
    toelichtingen.insert(4, "gemeente_code", toelichtingen["inzending_id"].map(codes))
    return toelichtingen


HELD_COLUMNS = ["inzending_id", "jaar", "vraag_id", "item_code", "bron_kolom", "ruwe_waarde", "regel", "reden"]


ANSWER_COLUMNS = ["inzending_id", "jaar", "vraag_id", "item_code", "optie_code", "waarde", "ruwe_waarde", "bron_kolom"]


def _objects(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _repeat(value, n: int) -> np.ndarray:
    """n references to one object (np.full would make a copy of a string per element)."""
    array = np.empty(n, dtype=object)
    array.fill(value)
    return array


def _answers_frame(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The answer rows of all columns, in column order: the year as int64, the texts as
    categoricals (compact.py: a few distinct texts repeated over every answer)."""
    total = sum(len(p["jaar"]) for p in parts)
    if not total:
        return pd.DataFrame([], columns=ANSWER_COLUMNS)
    data = {}
    for name in ANSWER_COLUMNS:
        merged = np.concatenate([p[name] for p in parts]) if len(parts) > 1 else parts[0][name]
        data[name] = (pd.Series(merged, dtype=object).infer_objects() if name == "jaar"
                      else pd.Series(compact.categorical(merged)))
    return pd.DataFrame(data, columns=ANSWER_COLUMNS)

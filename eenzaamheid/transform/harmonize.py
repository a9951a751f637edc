"""Harmonize one validated delivery: wide rows -> submissions, long answers, free text, cleaning log.

Input: the RawTable from `ingest` and the problems `validate` found in it. Output: four
DataFrames. Every delivered row becomes exactly one submission with a status; contact
columns are never copied; every normalization of a delivered value is written to the log.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def harmonize(raw: RawTable, problems: list[Problem], bestand: str, synthetic: bool) -> Harmonized:
    """`bestand` is the path relative to raw/ under which the file is registered in the manifest."""
    year = raw.year
    book = cb.load()
    delivery = book.deliveries[year]
    meta = delivery.metadata_kolommen
    frame = raw.frame
    log: list[dict] = []

    def note(regel, rij, kolom, voor, na):
        log.append({"regel": regel, "bestand": bestand, "rij": rij, "kolom": kolom, "voor": voor, "na": na,
                    "inzending_id": f"{year}-{rij:05d}"})

    # status per row from the validation problems (see fate): errors on the row's identity or the
    # file quarantine the row whole, an error in one answer only that answer
    fate = Fate.of(problems, year)
    file_errors, row_errors, replaced, empty = fate.file_errors, fate.row_errors, fate.replaced, fate.empty
    answers_held: dict[int, list[Problem]] = {}
    for (rij, _), found in sorted(fate.answer_errors.items()):
        answers_held.setdefault(rij, []).extend(found)

    def column(name):
        header = meta[name]
        return frame[header] if header in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    resolved = {v: register().resolve(year, v) for v in column("gemeente").dropna().unique()}
    # per row, as Python values: Series.get per row costs more than the whole conversion
    respons_ids = column("respons_id").tolist()
    starts = _iso_all(column("starttijd"), delivery.datumformaat)
    ends = _iso_all(column("eindtijd"), delivery.datumformaat)
    file_reason = ("Het bestand voldoet niet aan het contract: " + "; ".join(sorted({p.regel for p in file_errors}))
                   if file_errors else None)
    subs = []
    for i, (rij, gemeente) in enumerate(column("gemeente").items()):
        res = resolved.get(gemeente)
        if rij in empty:
            status, reden = QUARANTINED, "Lege rij: geen antwoorden geleverd."
        elif file_errors:
            status, reden = QUARANTINED, file_reason
        elif rij in row_errors:
            status, reden = QUARANTINED, " | ".join(f"{p.regel} ({p.kolom}): {p.melding}" for p in row_errors[rij])
        elif rij in replaced:
            status, reden = REPLACED, f"dubbele_inzending: {replaced[rij].melding}"
        elif rij in answers_held:
            status = ACCEPTED
            reden = (f"Telt mee; {len(answers_held[rij])} antwoord(en) apart gezet in antwoorden_quarantaine: "
                     + "; ".join(f"{p.regel} ({p.kolom})" for p in answers_held[rij]) + ".")
        else:
            status, reden = ACCEPTED, None
        if status == QUARANTINED:
            note("quarantaine", rij, None, None, reden)
        elif status == REPLACED:
            note("dubbele_inzending", rij, meta["gemeente"], gemeente, reden)
        if res is not None and res.ok and res.methode not in ("cbs_code", "officiele_naam"):
            note("gemeente_variant", rij, meta["gemeente"], gemeente, f"{res.naam} ({res.gemeente_code})")
        subs.append({
            "inzending_id": f"{year}-{rij:05d}", "jaar": year, "bestand": bestand, "rij": rij,
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
            note("werkblad", rij, None, f"werkblad '{sheet}', rij {rij - offset}", f"rij {rij}")
    inzendingen = pd.DataFrame(subs)
    ids = inzendingen["inzending_id"].to_numpy(dtype=object) if len(frame) else np.empty(0, dtype=object)

    # answers column by column, vectorized: a label is looked up once per distinct delivered value
    answer_parts: list[dict[str, np.ndarray]] = []
    held: list[dict] = []   # answers in quarantine on their own (antwoorden_quarantaine)
    delivered_answers = 0   # filled cells of the closed answer columns: the per-answer accounting
    texts = []
    for col in book.answer_columns(year):
        if col.header not in frame.columns:
            continue
        values = _filled(frame[col.header])
        rows = values.index.to_numpy()
        if col.type == "open":
            positions = frame.index.get_indexer(rows)
            redacted = {}
            for rij, text, pos in zip(rows.tolist(), values.tolist(), positions.tolist()):
                if text not in redacted:
                    redacted[text] = redact(text)
                clean, n = redacted[text]
                if n:
                    note("redactie", rij, col.header, mask(text), clean)
                texts.append({"toelichting_id": f"{ids[pos]}:{col.vraag_id}", "inzending_id": ids[pos], "jaar": year,
                              "vraag_id": col.vraag_id, "tekst": clean, "aantal_redacties": n, "bron_kolom": col.header})
            continue
        delivered_answers += len(rows)
        lookup = {_norm(label): (code, label) for label, code in zip(col.labels, col.codes)}
        codes, distinct = pd.factorize(values.to_numpy(dtype=object))
        hits = [lookup.get(_norm(v)) for v in distinct]
        # outside the options, or an error on this cell: the answer alone goes to quarantine
        known = np.array([h is not None for h in hits], dtype=bool)[codes] if len(distinct) else np.zeros(0, bool)
        flagged = np.isin(rows, [r for r, h in fate.answer_errors if h == col.header])
        keep = known & ~flagged
        for rij, value in zip(rows[~keep].tolist(), values.to_numpy(dtype=object)[~keep].tolist()):
            found = fate.answer_errors.get((rij, col.header), [])
            regel = found[0].regel if found else "antwoord_onbekend"
            reden = (" | ".join(f"{p.regel}: {p.melding}" for p in found) if found else
                     f"'{value}' is geen toegestaan antwoord; alleen dit antwoord telt niet mee.")
            held.append({"inzending_id": f"{year}-{rij:05d}", "jaar": year, "vraag_id": col.vraag_id,
                         "item_code": col.item_code or "", "bron_kolom": col.header,
                         "ruwe_waarde": value, "regel": regel, "reden": reden})
        codes, rows = codes[keep], rows[keep]
        raw_values = np.asarray(distinct, dtype=object)[codes]
        labels = _objects([h[1] if h else None for h in hits])[codes]
        for rij, value, label in zip(rows.tolist(), raw_values.tolist(), labels.tolist()):
            if value != label:
                note("antwoord_opmaak", rij, col.header, value, label)
        n = len(rows)
        answer_parts.append({
            "inzending_id": ids[frame.index.get_indexer(rows)], "jaar": _repeat(year, n),
            "vraag_id": _repeat(col.vraag_id, n), "item_code": _repeat(col.item_code or "", n),
            "optie_code": _objects([h[0] if h else None for h in hits])[codes], "waarde": labels,
            "ruwe_waarde": raw_values, "bron_kolom": _repeat(col.header, n)})
    toelichtingen = pd.DataFrame(texts, columns=["toelichting_id", "inzending_id", "jaar", "vraag_id", "tekst",
                                                 "aantal_redacties", "bron_kolom"])
    codes = inzendingen.set_index("inzending_id")["gemeente_code"] if len(inzendingen) else pd.Series(dtype=object)
    toelichtingen.insert(4, "gemeente_code", toelichtingen["inzending_id"].map(codes))
    return Harmonized(
        inzendingen=inzendingen,
        antwoorden=_answers_frame(answer_parts),
        toelichtingen=toelichtingen,
        opschoonlog=pd.DataFrame(log, columns=["regel", "bestand", "rij", "kolom", "voor", "na", "inzending_id"]),
        antwoorden_quarantaine=pd.DataFrame(held, columns=HELD_COLUMNS),
        antwoorden_geleverd=delivered_answers,
    )


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

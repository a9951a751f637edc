"""Harmonize one validated delivery: wide rows -> submissions, long answers, free text, cleaning log.

Input: the RawTable from `ingest` and the problems `validate` found in it. Output: four
DataFrames. Every delivered row becomes exactly one submission with a status; contact
columns are never copied; every normalization of a delivered value is written to the log.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import codebook as cb
from .ingest import RawTable
from .municipalities import register
from .privacy import mask, redact
from .problems import FOUT, Problem

ACCEPTED, REPLACED, QUARANTINED = "geaccepteerd", "vervangen_duplicaat", "in_quarantaine"


@dataclass
class Harmonized:
    inzendingen: pd.DataFrame
    antwoorden: pd.DataFrame
    toelichtingen: pd.DataFrame
    opschoonlog: pd.DataFrame


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _iso(value: str | None, fmt: str) -> str | None:
    stamp = pd.to_datetime(value, format=fmt, errors="coerce")
    return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%dT%H:%M:%S")


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

    # status per row from the validation problems: errors quarantine, a lost duplicate is replaced
    file_errors = [p for p in problems if p.ernst == FOUT and p.rij is None]
    row_errors: dict[int, list[Problem]] = {}
    replaced: set[int] = set()
    empty: set[int] = set()
    for p in problems:
        if p.rij is None:
            continue
        if p.regel == "lege_rij":
            empty.add(p.rij)
        elif p.ernst == FOUT:
            row_errors.setdefault(p.rij, []).append(p)
        elif p.regel == "dubbele_inzending":
            replaced.add(p.rij)

    def column(name):
        header = meta[name]
        return frame[header] if header in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    resolved = {v: register().resolve(year, v) for v in column("gemeente").dropna().unique()}
    subs = []
    for rij, gemeente in column("gemeente").items():
        res = resolved.get(gemeente)
        if rij in empty:
            status, reden = QUARANTINED, "Lege rij: geen antwoorden geleverd."
        elif file_errors:
            status, reden = QUARANTINED, "Het bestand voldoet niet aan het contract: " + "; ".join(
                sorted({p.regel for p in file_errors}))
        elif rij in row_errors:
            status, reden = QUARANTINED, " | ".join(f"{p.regel} ({p.kolom}): {p.melding}" for p in row_errors[rij])
        elif rij in replaced:
            status, reden = REPLACED, "Dubbele inzending: een latere inzending van dezelfde gemeente telt."
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
            "respons_id": column("respons_id").get(rij),
            "starttijd": _iso(column("starttijd").get(rij), delivery.datumformaat),
            "eindtijd": _iso(column("eindtijd").get(rij), delivery.datumformaat),
            "gemeente_geleverd": gemeente,
            "gemeente_code": res.gemeente_code if res else None,
            "opvolger_code": res.opvolger_code if res else None,
            "provincie_code": res.provincie_code if res else None,
            "resolutie": res.methode if res else "leeg",
            "status": status, "reden": reden, "synthetisch": int(synthetic),
        })
    inzendingen = pd.DataFrame(subs)
    ids = pd.Series(inzendingen["inzending_id"].to_numpy(), index=frame.index) if len(frame) else pd.Series(dtype=object)

    answers, texts = [], []
    for col in book.answer_columns(year):
        if col.header not in frame.columns:
            continue
        values = frame[col.header].dropna()
        values = values[values.str.strip() != ""]
        if col.type == "open":
            for rij, text in values.items():
                clean, n = redact(text)
                if n:
                    note("redactie", rij, col.header, mask(text), clean)
                texts.append({"toelichting_id": f"{ids[rij]}:{col.vraag_id}", "inzending_id": ids[rij], "jaar": year,
                              "vraag_id": col.vraag_id, "tekst": clean, "aantal_redacties": n, "bron_kolom": col.header})
            continue
        lookup = {_norm(label): (code, label) for label, code in zip(col.labels, col.codes)}
        for rij, value in values.items():
            hit = lookup.get(_norm(value))
            if hit is None:
                continue  # outside the options: the row is in quarantine, the raw value stays in raw/
            code, label = hit
            if value != label:
                note("antwoord_opmaak", rij, col.header, value, label)
            answers.append({"inzending_id": ids[rij], "jaar": year, "vraag_id": col.vraag_id,
                            "item_code": col.item_code or "", "optie_code": code, "waarde": label,
                            "ruwe_waarde": value, "bron_kolom": col.header})
    toelichtingen = pd.DataFrame(texts, columns=["toelichting_id", "inzending_id", "jaar", "vraag_id", "tekst",
                                                 "aantal_redacties", "bron_kolom"])
    codes = inzendingen.set_index("inzending_id")["gemeente_code"] if len(inzendingen) else pd.Series(dtype=object)
    toelichtingen.insert(4, "gemeente_code", toelichtingen["inzending_id"].map(codes))
    return Harmonized(
        inzendingen=inzendingen,
        antwoorden=pd.DataFrame(answers, columns=["inzending_id", "jaar", "vraag_id", "item_code", "optie_code",
                                                  "waarde", "ruwe_waarde", "bron_kolom"]),
        toelichtingen=toelichtingen,
        opschoonlog=pd.DataFrame(log, columns=["regel", "bestand", "rij", "kolom", "voor", "na", "inzending_id"]),
    )

"""The dirt real exports have, planted on purpose and recorded (raw/demo_vervuiling.csv)."""
from __future__ import annotations

import datetime as dt
import random

from eenzaamheid import codebook as cb

from . import NAME_DIRT, PREMERGER_DIRT, file_name
from .answers import response_id


class Dirt:
    """Plants the documented dirt and records where it is (file, Excel row, column)."""

    def __init__(self):
        self.records: list[dict] = []

    def note(self, year, fmt, row, column, rule, severity, description):
        self.records.append({"bestand": f"{year}/{file_name(year, fmt)}", "rij": row, "kolom": column or "",
                             "regel": rule, "ernst": severity, "omschrijving": description})


def plant(year: int, header: list[str], rows: list[dict], book: cb.Codebook, rng: random.Random, dirt: Dirt) -> list[dict]:
    delivery = book.deliveries[year]
    meta = delivery.metadata_kolommen
    fmt = delivery.formaat
    cols = book.answer_columns(year)
    rows.sort(key=lambda r: (r[meta["eindtijd"]], r[meta["respons_id"]]))

    if year == 2023:  # an earlier, abandoned attempt by a non-panel municipality: same name, few answers
        original = [r for r in rows if r["_stratum"] == "overig"][len(rows) // 4]
        early = dict(original)
        early[meta["respons_id"]] = response_id(rng)
        early[meta["starttijd"]] = original[meta["starttijd"]] - dt.timedelta(days=9)
        early[meta["eindtijd"]] = early[meta["starttijd"]] + dt.timedelta(minutes=7)
        for c in cols[4:]:
            early[c.header] = None
        rows.append(early)
        rows.sort(key=lambda r: (r[meta["eindtijd"]], r[meta["respons_id"]]))
        dup_row = rows.index(early) + 2
        dirt.note(year, fmt, dup_row, meta["gemeente"], "dubbele_inzending", "waarschuwing",
                  f"{early[meta['gemeente']]} leverde twee keer; deze eerdere, onvolledige inzending wordt vervangen")

    def excel_row(r):
        return rows.index(r) + 2

    def column_of(vraag_id, item=None):
        return next(c for c in cols if c.vraag_id == vraag_id and c.item_code == item)

    def answered(column):
        return [r for r in rows if r.get(column.header)]

    if year in NAME_DIRT:
        code, typed, why = NAME_DIRT[year]
        r = next(r for r in rows if r["_code"] == code)
        r[meta["gemeente"]] = typed
        dirt.note(year, fmt, excel_row(r), meta["gemeente"], "gemeente_variant", "waarschuwing", why)
    if year == PREMERGER_DIRT[0]:
        _, code, typed, why = PREMERGER_DIRT
        r = next(r for r in rows if r["_code"] == code)
        r[meta["gemeente"]] = typed
        dirt.note(year, fmt, excel_row(r), meta["gemeente"], "gemeente_variant", "waarschuwing", why)

    def reformat(column, n, how, why):
        candidates = answered(column)
        for r in sorted(rng.sample(candidates, n), key=excel_row):
            r[column.header] = how(r[column.header])
            dirt.note(year, fmt, excel_row(r), column.header, "antwoord_opmaak", "waarschuwing", why)

    if year == 2019:  # an answer outside the options: the row goes to quarantine
        column = column_of("week_deelname")
        r = rows[16]
        r[column.header] = "Weet ik niet"
        dirt.note(year, fmt, excel_row(r), column.header, "antwoord_onbekend", "fout", "antwoord buiten de antwoordopties")
    if year == 2020:
        reformat(column_of("monitoring"), 1, str.lower, "hoofdletter-variant")
    if year == 2021:
        reformat(column_of("week_deelname"), 2, lambda v: " " + v, "spatie voor het antwoord")
        reformat(column_of("monitoring"), 1, lambda v: v + "  ", "spaties achter het antwoord")
    if year == 2022:
        reformat(column_of("betrokkenheid_eenzamen"), 2, lambda v: f" {v} ", "spaties rond het antwoord")
        reformat(column_of("meldpunt"), 1, str.upper, "hoofdletter-variant")
    if year == 2024:
        reformat(column_of("coalitie"), 1, str.lower, "hoofdletter-variant")

    if year == 2023:  # a phone number in a free-text answer that is not one of the themed texts
        column = column_of("uitdagingen_anders")
        r = next(r for r in answered(column) if "ambtelijk" not in r[column.header].lower())
        r[column.header] = "Meer uitleg over onze aanpak? Bel 06-12345678."
        dirt.note(year, fmt, excel_row(r), column.header, "persoonsgegevens_in_vrije_tekst", "waarschuwing", "telefoonnummer in vrije tekst")
    if year == 2024:
        column = column_of("monitoring_toelichting")
        r = answered(column)[0]
        r[column.header] = "Evaluatie volgt in het voorjaar; vragen via j.jansen@example.org."
        dirt.note(year, fmt, excel_row(r), column.header, "persoonsgegevens_in_vrije_tekst", "waarschuwing", "e-mailadres in vrije tekst")
    if year == 2020:  # the export tool leaves an empty row at the end
        rows.append({h: None for h in header})
        dirt.note(year, fmt, len(rows) + 1, None, "lege_rij", "waarschuwing", "lege laatste rij")
    return rows



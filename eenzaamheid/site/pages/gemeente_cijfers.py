"""A municipality page's data as a file a person opens in Excel (/gemeente/<code>/antwoorden.csv|xlsx):
what the page's "Antwoorden door de jaren" shows, one row per question and year, in words.

Each row says whether the question's headline statement holds for the municipality that year
("Ja"/"Nee"/"niet gevraagd"/"niet beantwoord"/"–" for no submission; kernantwoorden.answer_cell,
the same cells the page and the factsheet show), what it actually answered, and whether the year
can be compared with the year before. Written by page_sheets.sheet_response.
"""
from __future__ import annotations

from eenzaamheid.site.pages.kernantwoorden import NO_SUBMISSION, years_lines
from eenzaamheid.site.store import Store

NO_SUBMISSION_WORDS = "geen inzending"


def municipality_sheet(store: Store, g: dict, answers: list) -> tuple[str, list, list]:
    """(title, columns, rows) of one municipality's answers over the years."""
    lines = years_lines(store, answers)
    naam = g["naam"]
    columns = ["Jaar", "Inzending telt mee", "Vraag", "Kernantwoord (stelling)", "Rij",
               f"Geldt voor {naam}?", "Wat is geantwoord", "Vergelijkbaar met het jaar ervoor"]
    participated = dict(zip(lines["jaren"], lines["deelname"]))
    rows = []
    for jaar in lines["jaren"]:
        for r in lines["rijen"]:
            cell = next(c for c in r["cellen"] if c["jaar"] == jaar)
            rows.append([jaar, "ja" if participated[jaar] else "nee", r["onderwerp"], r["kern"] or "", r["item"] or "",
                         NO_SUBMISSION_WORDS if cell["tekst"] == NO_SUBMISSION else cell["tekst"],
                         cell.get("detail") or "", cell["breuk_tekst"] or ""])
    title = f"{naam} ({g['gemeente_code']}): antwoorden per vraag en jaar, Benchmark Eén tegen eenzaamheid"
    return title, columns, rows

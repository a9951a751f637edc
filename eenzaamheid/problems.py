"""A problem found in a delivery, as the data steward reads it.

Every check (ingest, structure, values, cross-field rules, manifest) reports through this
one type, so the report can show them side by side: file, Excel row, column, the value
as delivered, a rule id, a severity and a Dutch message saying what is wrong and what to do.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

FOUT, WAARSCHUWING = "fout", "waarschuwing"

# Rule id -> severity. One place, so a rule never has two severities and the report
# can explain every rule id it prints.
RULES: dict[str, str] = {
    # reading the file
    "bestand_onleesbaar": FOUT,
    "formaat_afwijkend": FOUT,
    "codering": FOUT,
    "scheidingsteken": FOUT,
    "aantal_velden": FOUT,
    # extra_werkblad: a note on an empty other sheet; an error when the contract's sheet is missing
    "extra_werkblad": WAARSCHUWING,
    "werkblad_andere_kopregel": FOUT,
    "aanhalingsteken_open": FOUT,
    "teken_ongeldig": FOUT,
    "formule_zonder_waarde": FOUT,
    # structure
    "kolom_ontbreekt": FOUT,
    "kolom_onbekend": FOUT,
    "kolom_hernoemd": FOUT,
    "kolom_dubbel": FOUT,
    "geen_rijen": FOUT,
    "lege_rij": WAARSCHUWING,
    # values
    "verplicht": FOUT,
    "respons_id_dubbel": FOUT,
    "antwoord_onbekend": FOUT,
    "antwoord_opmaak": WAARSCHUWING,
    "datum_ongeldig": FOUT,
    "getal_ongeldig": FOUT,
    # cross-field rules
    "overslaglogica": FOUT,
    "gemeente_onbekend": FOUT,
    "gemeente_dubbelzinnig": FOUT,
    "gemeente_variant": WAARSCHUWING,
    "dubbele_inzending": WAARSCHUWING,
    "persoonsgegevens_in_vrije_tekst": WAARSCHUWING,
    "stuurteken_in_tekst": WAARSCHUWING,
    "gemeente_botsing": FOUT,
    # provenance
    "manifest_ontbreekt": FOUT,
    "manifest_onleesbaar": FOUT,
    "sha256_afwijkend": FOUT,
    "geen_manifest": WAARSCHUWING,
    "bestandstype_onbekend": FOUT,
    "manifest_bestand_ontbreekt": FOUT,
    "manifest_jaar_afwijkend": FOUT,
    "manifest_vervangt_onbekend": FOUT,
    "levering_dubbel": FOUT,
    "levering_vervangen": WAARSCHUWING,
}

MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    bestand: str          # path as given / relative to the working directory
    rij: int | None       # Excel row number (header = 1); None for file- or column-level problems
    kolom: str | None     # raw header as delivered
    waarde: str | None    # offending raw value, printable and at most 80 characters
    regel: str            # rule id, Dutch snake_case (see RULES)
    ernst: str            # "fout" or "waarschuwing"
    melding: str          # Dutch: what is wrong and what to do

    def sort_key(self) -> tuple:
        return (self.bestand, self.rij or 0, self.kolom or "", self.regel, self.waarde or "")

    def as_dict(self) -> dict:
        return {"bestand": self.bestand, "rij": self.rij, "kolom": self.kolom, "waarde": self.waarde,
                "regel": self.regel, "ernst": self.ernst, "melding": self.melding}


def problem(bestand: str, regel: str, melding: str, *, rij: int | None = None, kolom: str | None = None,
            waarde=None, ernst: str | None = None) -> Problem:
    """Build a Problem; severity comes from RULES unless a rule has a documented exception."""
    return Problem(bestand, None if rij is None else int(rij), kolom, clip(waarde), regel,
                   ernst or RULES[regel], printable(melding))


def clip(value, limit: int = MAX_VALUE_CHARS) -> str | None:
    """Printable, single-line, bounded text: control characters shown escaped, long text cut."""
    if value is None:
        return None
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# C0/C1 controls and DEL (Cc), line/paragraph separators and the bidi overrides (trojan-source text)
_UNSAFE = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]")


def printable(text: str) -> str:
    """The text with every control character shown escaped (ESC as \\x1b): a delivered cell quoted in a
    message must not move the steward's cursor, recolour the terminal or reorder what is shown."""
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def display_path(path: Path) -> str:
    """Path as the steward typed it: relative to the working directory when below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:  # outside the working directory: the full path is clearer than ../..
        return absolute.as_posix()

"""Apply a reviewed draft: the year file in place, the contracts written, the delivery validated — in one go,
and nothing half done: a draft with a TODO left, or one the codebook loader refuses, changes nothing."""
from __future__ import annotations

from pathlib import Path

from .. import codebook, contract
from ..atomic import write_atomic
from ..codebook_years import CodebookError
from .draft import todos


class NotReady(Exception):
    """The draft cannot be applied yet; the message (Dutch) says what to do."""


def concept_path(year: int) -> Path:
    return codebook.YEARS_DIR / f"{year}.concept.yaml"


def report_path(year: int) -> Path:
    return codebook.YEARS_DIR / f"{year}.concept.md"


def apply(year: int, delivery: Path) -> Path:
    """Put the draft for `year` in place as schemas/jaren/<year>.yaml and write every contract; return it."""
    concept, target = concept_path(year), codebook.YEARS_DIR / f"{year}.yaml"
    shown = f"schemas/jaren/{concept.name}"
    if target.exists():
        raise NotReady(f"schemas/jaren/{target.name} bestaat al: het jaar {year} is al toegepast. Neem de levering op "
                       f"met `eenzaamheid ontvang {delivery} --jaar {year}`.")
    if not concept.is_file():
        raise NotReady(f"Er is geen concept {shown}. Maak het eerst met `eenzaamheid nieuw-jaar {delivery} --jaar {year}`.")
    text = concept.read_text(encoding="utf-8")
    left = todos(text)
    if left:
        raise NotReady(f"Het concept {shown} heeft nog {len(left)} TODO; vul ze in en voer dit opnieuw uit:\n"
                       + "\n".join(f"  regel {n}: {line[:110]}" for n, line in left))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).lstrip("\n")
    write_atomic(target, f"# Benchmarkjaar {year}: opgesteld met `eenzaamheid nieuw-jaar` uit de levering {delivery.name}\n"
                      "# en nagekeken door de databeheerder. De lader (eenzaamheid/codebook.py) voegt dit bestand\n"
                      "# samen met de vragenlijst in schemas/codebook.yaml.\n" + body + "\n")
    codebook.load.cache_clear()
    try:
        book = codebook.load()
    except CodebookError as exc:
        target.unlink()
        codebook.load.cache_clear()
        raise NotReady(f"Het concept past niet in het codeboek; er is niets gewijzigd.\n{exc}") from exc
    contract.write_all(book)
    concept.unlink()
    report_path(year).unlink(missing_ok=True)
    return target

"""Why a build was refused, in the steward's words: which stage stopped it, what failed and
where, and what to do. One `Refusal` feeds the refused report (HTML and JSON) and the CLI
message, so the two never disagree.

Stages, in build order: validatie (the deliveries), opbouw (the clean tables could not be
made, e.g. rows unaccounted for), tabelcontrole (pandera on the clean tables), and
kwaliteitscontrole (fataal) (Great Expectations on the built database). Only the last one
runs the database checks; a refusal at an earlier stage says that they did not run.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..privacy import mask
from ..problems import FOUT

VALIDATIE, OPBOUW, TABELCONTROLE, KWALITEIT = ("validatie", "opbouw van de tabellen", "tabelcontrole (pandera)",
                                              "kwaliteitscontrole (fataal)")
ADRES = "adres van de publicatie"
NOT_RUN = "De databasecontroles zijn niet uitgevoerd: de build stopte voordat er een database was."
KEEP = "De vorige publicatie blijft staan."
MAX_DETAILS = 25
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text) -> str:
    """Masked (privacy) and without control characters: it reaches a terminal and a report."""
    return _CONTROL.sub("?", mask(str(text)))


@dataclass
class Refusal:
    fase: str
    oorzaak: str                                         # one or two sentences: what stopped the build
    details: list[str] = field(default_factory=list)     # one line per failed thing: where and what
    wat_te_doen: str = ""
    databasecontroles_uitgevoerd: bool = False

    def as_dict(self) -> dict:
        return {"fase": self.fase, "oorzaak": self.oorzaak, "details": list(self.details),
                "wat_te_doen": self.wat_te_doen, "databasecontroles_uitgevoerd": self.databasecontroles_uitgevoerd,
                "vorige_publicatie_blijft_staan": True}

    def message(self, report_stem=None) -> str:
        """The CLI's text (after 'Build gestopt: ')."""
        from .. import templating  # the refused report's HTML part is in templates/rapporten/kwaliteit.html

        text = templating.render("weigering.txt", r=self, keep=KEEP, not_run=NOT_RUN, report_stem=report_stem)
        return text.removesuffix("\n")


def _clip(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_DETAILS:
        return lines
    return lines[:MAX_DETAILS] + [f"… en nog {len(lines) - MAX_DETAILS} (zie het rapport)"]


def from_validation(problems, raw_dir="raw/") -> Refusal:
    errors = sorted((p for p in problems if p.ernst == FOUT), key=lambda p: p.sort_key())
    per_file = Counter(p.bestand for p in errors)
    files = ", ".join(f"{_safe(name)}: {n}" for name, n in sorted(per_file.items()))
    details = []
    for p in errors:
        where = ", ".join(x for x in (_safe(p.bestand), p.rij and f"rij {p.rij}", p.kolom and f"kolom {_safe(p.kolom)}",
                                       p.waarde is not None and f"waarde {_safe(p.waarde)!r}") if x)
        details.append(f"{where} [{p.regel}]: {_safe(p.melding)}")
    return Refusal(
        VALIDATIE,
        f"De validatie van de leveringen vond {len(errors)} fout(en) ({files}); zonder --quarantaine "
        "bouwt de build niet met leveringen die fouten hebben.",
        _clip(details),
        f"Bekijk de fouten met `eenzaamheid valideer {raw_dir}` en vraag de leverancier om een gecorrigeerde levering, "
        "of bouw met --quarantaine om de rijen met fouten apart te zetten (in_quarantaine).")


def from_clean_checks(clean_checks: dict[str, str], error: str) -> Refusal:
    failed = {t: text for t, text in clean_checks.items() if text != "geslaagd"}
    details = [f"tabel {t}, {_safe(line.strip())}" for t, text in failed.items()
               for line in str(text).splitlines()[1:] if line.strip()] or [_safe(t) for t in failed.values()]
    if not failed:  # every table passed alone; the references between them did not
        cause = ("De schone tabellen verwijzen naar rijen die niet bestaan." if "Verwijzingen" in error else
                 "De controle van de schone tabellen stopte de build.")
        return Refusal(TABELCONTROLE, cause,
                       _clip([_safe(line) for line in error.splitlines()]),
                       "Dit wijst op een fout in de bouwstappen, niet in de levering: meld het aan de ontwikkelaars "
                       "met dit rapport.")
    duplicates = sorted({m for text in failed.values()
                         for m in re.findall(r"uniqueness.*?\(jaar ([0-9, ]+)\)", str(text))})
    years = sorted({y.strip() for m in duplicates for y in m.split(",")})
    cause = (f"De schone tabellen voldoen niet aan hun schema (schemas/clean): {len(failed)} tabel(len) afgekeurd "
             f"({', '.join(failed)}).")
    todo = ("Elke regel noemt tabel, kolom, controle, aantal rijen en voorbeelden; herstel de levering of de bouwregel en bouw opnieuw.")
    if years:
        cause += (f" Er staan dubbele rijen in de tabellen voor {' en '.join(years)}: meestal omdat er voor dat jaar "
                  "twee leveringen in raw/ staan die allebei worden ingelezen.")
        todo = ("Laat per jaar één actieve levering over: registreer een gecorrigeerd bestand als vervanging van het "
                "oude (`eenzaamheid ontvang BESTAND --jaar J --vervangt OUD`) in plaats van het ernaast te zetten. "
                + todo)
    return Refusal(TABELCONTROLE, cause, _clip(details), todo)


def from_quality(quality) -> Refusal:
    fatal = quality.fatal_failures.to_dict("records")
    details = [f"{r['controle_id']} (tabel {r['tabel']}, {r['afwijkend']} afwijkend): {_safe(r['betekenis'])}"
               for r in fatal]
    return Refusal(
        KWALITEIT,
        f"{len(fatal)} fatale kwaliteitscontrole(s) op de gebouwde database gefaald.",
        _clip(details),
        "Bekijk in het rapport alle afwijkende rijen per controle (of draai `eenzaamheid controleer`), herstel de "
        "oorzaak in de levering of de controle en bouw opnieuw.",
        databasecontroles_uitgevoerd=True)


def from_placeholder_address(basis_url: str, real_files: list[str]) -> Refusal:
    """Real (non-synthetic) deliveries are never published while the site's address is a placeholder:
    the citation and the catalogue record would send readers nowhere."""
    return Refusal(
        ADRES,
        f"catalogus.basis_url in metadata.yml is nog een voorbeeldadres ({_safe(basis_url or 'leeg')}), en de build "
        f"bevat {len(real_files)} echte (niet-synthetische) levering(en). Echte data worden niet gepubliceerd met een "
        "citatie en catalogusrecord die nergens heen wijzen.",
        _clip([f"{_safe(f)}: niet synthetisch" for f in real_files]),
        "Zet in metadata.yml onder catalogus.basis_url het publieke adres van de site (https://…) en bouw opnieuw.")


def from_build_error(error: str) -> Refusal:
    return Refusal(OPBOUW, "De schone tabellen konden niet worden opgebouwd.", _clip([_safe(error)]),
                   "Lees de melding hieronder; herstel de levering of meld het aan de ontwikkelaars met dit rapport.")

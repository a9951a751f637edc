"""The steward's Dutch report of a draft: the file as found, every change with its evidence, every TODO
with its line in the draft, and the commands that follow."""
from __future__ import annotations

from pathlib import Path

from .draft import Draft, todos

KIND_TITLES = {
    "nieuw": "Nieuwe vragen",
    "vervallen": "Vragen zonder kolom (niet meer gesteld)",
    "hernoemd": "Kolommen die waarschijnlijk zijn hernoemd",
    "anders_geformuleerd": "Antwoordopties die anders zijn geformuleerd",
    "optie_vervallen": "Antwoordopties die waarschijnlijk zijn vervallen",
    "onbekende_waarde": "Onbekende antwoorden (nieuwe optie of fout?)",
    "nieuw_item": "Nieuwe rijen of keuzes bij een bestaande vraag",
    "item_vervallen": "Vervallen rijen of keuzes",
    "verplaatst": "Verplaatste kolommen",
    "metadata_nieuw": "Nieuwe kolommen van het enquêtesysteem",
    "metadata_hernoemd": "Hernoemde metadatakolommen",
    "metadata_vervallen": "Metadatakolommen die niet meer worden geleverd",
    "metadata_ontbreekt": "Ontbrekende metadatakolommen",
    "werkbladen": "Het bestand zelf",
    "optie_niet_gekozen": "Opties die niemand koos (geen wijziging)",
    "losse_waarde": "Losse afwijkende waarden (geen wijziging; valideer meldt ze)",
}
CHANGES = ("nieuw", "vervallen", "hernoemd", "anders_geformuleerd", "optie_vervallen", "onbekende_waarde",
           "nieuw_item", "item_vervallen", "metadata_nieuw", "metadata_hernoemd", "metadata_vervallen")


def render(draft: Draft, concept: Path, concept_text: str, shown_path: str) -> str:
    d, year = draft.delivered, draft.year
    lev = draft.data["levering"]
    lines = [f"# Nieuw jaar {year}: concept uit de levering", "",
             f"Concept: `{concept.as_posix()}`, gemaakt uit `{shown_path}` en vergeleken met {draft.previous_year} "
             "(het contract, de versies in het codeboek en de levering van dat jaar).", "",
             "## Het bestand", "",
             f"- formaat: {lev['formaat']}" + (f", scheidingsteken `{lev['scheidingsteken']}`, codering {lev['codering']}"
                                               if lev["formaat"] == "csv" else f", werkblad '{lev.get('werkblad')}'"),
             f"- datumformaat: `{lev['datumformaat']}`",
             f"- {d.rows} rijen, {len(d.headers)} kolommen, waarvan {len(lev['metadata_kolommen'])} metadata"
             + (f" en {len(lev['overige_kolommen'])} van het enquêtesysteem" if lev.get("overige_kolommen") else ""),
             "", f"## Vergeleken met {draft.previous_year}", "",
             f"{len(draft.continued)} vragen lopen ongewijzigd door: hun versie {year} is overgenomen met "
             "`vergelijkbaar_met_vorig_jaar: ja`.", ""]
    if not draft.previous_known:
        lines += [f"De levering van {draft.previous_year} was niet te lezen (geen enkele actieve levering in raw/), "
                  "dus is niet nagegaan of opties zijn vervallen.", ""]
    changes = [f for f in draft.findings if f.soort in CHANGES]
    lines += ["## Gevonden wijzigingen", ""] + ([] if changes else ["Geen.", ""])
    for kind in KIND_TITLES:
        found = [f for f in draft.findings if f.soort == kind]
        if found:
            lines += [f"### {KIND_TITLES[kind]}", ""] + [f"- {f.tekst}" + (" **(TODO)**" if f.todo else "")
                                                         for f in found] + [""]
    left = todos(concept_text)
    lines += [f"## Nog te beslissen: {len(left)} TODO", "",
              "Vul elke `TODO` in het concept in (vervang de hele tekst `TODO: …` door uw keuze):", ""]
    lines += [f"- regel {n}: `{text if len(text) <= 110 else text[:109] + '…'}`" for n, text in left] + [""]
    lines += ["## Daarna", "",
              f"1. `eenzaamheid nieuw-jaar {shown_path} --jaar {year} --toepassen`: controleert het concept, zet het "
              f"jaar in `schemas/jaren/{year}.yaml`, schrijft de leveringscontracten en valideert de levering.",
              f"2. `eenzaamheid ontvang {shown_path} --jaar {year} --ontvangen JJJJ-MM-DD` (met `--synthetisch` als het "
              "demodata zijn): neemt de levering op in raw/ en valideert haar.",
              "3. `eenzaamheid bouw`: bouwt de publicatie (de vorige blijft staan als de build stopt).",
              "4. `eenzaamheid verschil <vorige publicatie> clean/`: wat het nieuwe jaar veranderde.", ""]
    return "\n".join(lines)

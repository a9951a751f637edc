"""What the zip holds beside datapackage.json and the CSV files, generated from the package:
README.md (Dutch: what the dataset is, its synthetic status, how to read it, the data dictionary
per table from the Table Schemas), CITATION.cff and the licence texts (LICENSES/)."""
from __future__ import annotations

from pathlib import Path

import yaml

from ...paths import CODE_ROOT
from .. import people_sheets
from ..release import dutch_date

LICENSES = CODE_ROOT / "LICENSES"
TYPES = {"string": "tekst", "integer": "geheel getal", "number": "getal", "date": "datum (JJJJ-MM-DD)",
         "datetime": "datum-tijd (JJJJ-MM-DDTUU:MM:SS)", "boolean": "ja/nee"}


def licence_files() -> dict[str, bytes]:
    """LICENSES/<SPDX id>.txt for every licence the data is under (see metadata.yml)."""
    return {f"LICENSES/{p.name}": p.read_bytes() for p in sorted(LICENSES.glob("*.txt"))}


def _cell(text) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def data_dictionary(package: dict) -> list[str]:
    lines = []
    for r in package["resources"]:
        schema = r["schema"]
        if r["path"].startswith(f"{people_sheets.FOLDER}/"):  # for people: the codes are on their sheet Kolommen
            lines += [f"### {r['name']} – {r['title']}", "", _cell(r.get("description")), "",
                      f"Bestand: `{r['path']}`. {len(schema['fields'])} kolommen, alle tekst; de kop is de "
                      "formulering van de vraag, de betekenis per kolom staat in datapackage.json en op het blad "
                      "Kolommen van de Excel-bestanden.", ""]
            continue
        lines += [f"### {r['name']} – {r['title']}", "", _cell(r.get("description")), "",
                  f"Bestand: `{r['path']}`. Sleutel: {', '.join(schema.get('primaryKey') or []) or 'geen'}."]
        for fk in schema.get("foreignKeys") or []:
            ref = fk["reference"]
            target = ref["resource"] or f"een rij van dezelfde tabel {r['name']}"  # "": the table itself (Data Package v1)
            lines.append(f"Verwijst met {', '.join(fk['fields'])} naar {target} ({', '.join(ref['fields'])}).")
        lines += ["", "| kolom | type | verplicht | betekenis |", "|---|---|---|---|"]
        for f in schema["fields"]:
            constraints = f.get("constraints") or {}
            required = "ja" if constraints.get("required") or f["name"] in (schema.get("primaryKey") or []) else "nee"
            meaning = _cell(f.get("description") or f.get("title"))
            if constraints.get("enum"):
                meaning += " Waarden: " + ", ".join(map(str, constraints["enum"])) + "."
            lines.append(f"| `{f['name']}` | {TYPES.get(f['type'], f['type'])} | {required} | {meaning} |")
        lines.append("")
    return lines


def readme(package: dict, synthetic: bool, synthetic_notice: str, panels: dict) -> bytes:
    created = dutch_date(package["created"])
    lines = [f"# {package['title']}", "",
             f"Versie {package['version']}, {created}."
             + (f" Site: {package['homepage']}" if package.get("homepage") else ""), ""]
    if synthetic:
        lines += ["## Let op: synthetische demodata", "", " ".join(synthetic_notice.split()), ""]
    description = package["description"]
    if synthetic and description.startswith(" ".join(synthetic_notice.split())[:40]):
        description = description.split("\n\n", 1)[-1]
    lines += ["## Wat dit is", "", " ".join(description.split()), "",
              "Het gaat over beleid zoals gemeenten het zelf opgaven, niet over eenzaamheid onder inwoners.", "",
              "## Wat er in de zip zit", "",
              "- `datapackage.json`: de beschrijving van het pakket (Frictionless Data Package): tabellen, "
              "kolommen, typen, sleutels en verwijzingen. Controleer het pakket met "
              "`frictionless validate datapackage.json`.",
              "- `csv/`: elke tabel als CSV (UTF-8, komma als scheidingsteken, eerste regel de kolomnamen).",
              f"- `{people_sheets.FOLDER}/`: de antwoorden per jaar in woorden, voor mensen: Excel-bestanden per "
              "jaar en voor alle jaren (met een blad Lees mij en een blad Kolommen), en per jaar een CSV voor "
              "Nederlandse Excel (puntkomma, UTF-8 met BOM).",
              "- `codebook.yaml`: het codeboek van de vragenlijst: vragen, formulering per jaar, antwoordopties "
              "en breuken in vergelijkbaarheid.",
              "- `CITATION.cff`: hoe u deze data citeert (ook hieronder).",
              "- `dcat.ttl`: de beschrijving van de dataset in DCAT-AP-NL 3.0 (voor datacatalogi).",
              "- `LICENSES/`: de volledige licentieteksten.", "",
              "## Zo leest u de data", "",
              "- In Python: `pandas.read_csv('csv/antwoorden.csv', keep_default_na=False)` houdt lege tekst leeg; "
              "of `frictionless` leest het pakket met de juiste typen.",
              "- In Excel: Gegevens > Uit tekst/CSV, bestandsoorsprong 65001 (UTF-8), scheidingsteken komma. "
              "Een tekstcel die in het bestand met ' begint, begon met =, +, -, @ of een tab: het teken voorkomt "
              "dat een spreadsheet er een formule van maakt.",
              "- Een gemeente staat onder haar CBS-code van dat jaar (`gemeente_code`) en onder haar opvolger op de "
              "indeling van het laatste jaar (`opvolger_code`).",
              "- Percentages zijn aandelen van de gemeenten die de vraag beantwoordden (de basis), niet van alle "
              "gemeenten. Waar een vraag van formulering of antwoordopties veranderde, staat dat in "
              "`vraagversies` (`vergelijkbaar_met_vorig_jaar` en de reden): vergelijk die jaren niet zonder meer.",
              ""]
    if panels:
        lines += ["### Panels", ""]
        lines += [f"- `{key}` ({p['titel']}): {' '.join(p['beschrijving'].split())}" for key, p in panels.items()]
        lines.append("")
    lines += ["## Versie en citeren", "",
              "De versie is de formaatversie plus een controlegetal van de gepubliceerde data: verandert het "
              "codeboek, een levering of de verwerking zodat een gepubliceerde waarde verandert, dan verandert de "
              "versie. Dezelfde invoer geeft dezelfde versie.", "",
              "Citeer als:", "", f"> {package.get('citation', '')}", "",
              "## Licenties", ""]
    lines += [f"- {' '.join(lic.get('title', lic['name']).split())} ({lic['name']}, {lic.get('path', '')})"
              for lic in package.get("licenses", [])]
    lines += ["", "## Gegevenswoordenboek", "",
              "Per tabel de kolommen met hun type en betekenis (uit de Table Schemas in datapackage.json).", ""]
    lines += data_dictionary(package)
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def citation_cff(package: dict, catalogus: dict) -> bytes:
    """CITATION.cff (Citation File Format 1.2.0) for the dataset."""
    cff = {
        "cff-version": "1.2.0",
        "message": "Gebruikt u deze data, citeer dan deze versie van de dataset.",
        "type": "dataset",
        "title": package["title"],
        "version": package["version"],
        "date-released": package["created"][:10],
        "url": package.get("homepage"),  # none while the site's address is a placeholder
        "authors": [{"name": m["naam"]} for m in catalogus["makers"]],
        "license": [lic["name"] for lic in package.get("licenses", [])],
        "keywords": list(package.get("keywords", [])),
        "abstract": " ".join(package["description"].split()),
    }
    text = yaml.safe_dump({k: v for k, v in cff.items() if v is not None}, allow_unicode=True, sort_keys=False, width=100)
    return text.encode("utf-8")


CODEBOOK_HEADER = ("# Codeboek van de Benchmark Eén tegen eenzaamheid: de vragenlijst met per jaar de formulering, "
                   "antwoordopties,\n# kolomkoppen en breuken. Gegenereerd uit schemas/codebook.yaml (de vragenlijst) "
                   "en schemas/jaren/<jaar>.yaml\n# (één bestand per jaar) van het project; niet met de hand bewerken.\n")


def codebook_bytes(root: Path) -> bytes:
    """The merged codebook (questionnaire and every year) as one file for the downloader."""
    from ... import codebook

    data = codebook.load(root / "schemas" / "codebook.yaml").data
    return (CODEBOOK_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)).encode("utf-8")

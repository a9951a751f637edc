"""What the zip holds beside datapackage.json and the CSV files, generated from the package:
README.md (Dutch: what the dataset is, its synthetic status, how to read it, the data dictionary
per table from the Table Schemas), CITATION.cff and the licence texts (LICENSES/)."""
from __future__ import annotations

from pathlib import Path

import yaml

from ... import templating
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


def _required(field: dict, schema: dict) -> str:
    constraints = field.get("constraints") or {}
    return "ja" if constraints.get("required") or field["name"] in (schema.get("primaryKey") or []) else "nee"


def _meaning(field: dict) -> str:
    constraints = field.get("constraints") or {}
    meaning = _cell(field.get("description") or field.get("title"))
    if constraints.get("enum"):
        meaning += " Waarden: " + ", ".join(map(str, constraints["enum"])) + "."
    return meaning


def _words(text) -> str:
    return " ".join(str(text).split())


def readme(package: dict, synthetic: bool, synthetic_notice: str, panels: dict) -> bytes:
    """README.md of the zip (templates/rapporten/zip_readme.md), with the data dictionary per table."""
    notice = _words(synthetic_notice)
    description = package["description"]
    if synthetic and description.startswith(notice[:40]):
        description = description.split("\n\n", 1)[-1]
    text = templating.render(
        "zip_readme.md", package=package, created=dutch_date(package["created"]), synthetic=synthetic,
        notice=notice, description=_words(description), panels=panels, people_folder=people_sheets.FOLDER,
        types=TYPES, cell=_cell, words=_words, required=_required, meaning=_meaning)
    return (text.rstrip() + "\n").encode("utf-8")


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

"""Which files are deliveries, which year they belong to, and their registration in raw/MANIFEST.csv."""
from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

from .. import codebook
from ..problems import Problem, display_path, problem

DELIVERY_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
NOT_DELIVERIES = {"manifest.csv", "demo_vervuiling.csv"}  # compared case-insensitively; *.md too
MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_COLUMNS = ("bestand", "jaar", "sha256", "bytes", "ontvangen", "synthetisch")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")  # any year; validate checks it against the codebook


class UsageError(Exception):
    """Wrong invocation (missing path, unknown year, ...); the message is Dutch."""


def discover(paths: list[Path]) -> list[Path]:
    """Delivery files behind the given paths: a file, a year folder, or the raw root."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise UsageError(f"Pad '{p}' bestaat niet.")
        if p.is_file():
            if _is_delivery(p, explicit=True):
                found.append(p)
            continue
        found += sorted(f for f in p.iterdir() if f.is_file() and _is_delivery(f))
        for sub in sorted(d for d in p.iterdir() if d.is_dir() and re.fullmatch(r"\d{4}", d.name)):
            found += sorted(f for f in sub.iterdir() if f.is_file() and _is_delivery(f))
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError("Geen leveringen (.xlsx of .csv) gevonden in: " + ", ".join(map(str, paths)))
    return unique


def _is_delivery(path: Path, explicit: bool = False) -> bool:
    name = path.name.lower()
    if name in NOT_DELIVERIES or name.endswith(".md") or name.startswith((".", "~$")):
        return False
    return explicit or path.suffix.lower() in DELIVERY_SUFFIXES


def year_of(path: Path) -> int:
    """The survey year from the folder name (raw/2024/...) or else the file name."""
    for text in (path.parent.name, path.name):
        if m := _YEAR.search(text):
            return int(m.group(1))
    raise UsageError(f"Kan het jaar van '{path}' niet bepalen: zet het bestand in raw/<jaar>/ "
                     "of geef het jaar op met --jaar.")



class _Manifests:
    """Finds and reads raw/MANIFEST.csv once per run; checks registration and sha256 per file."""

    def __init__(self, explicit: Path | None):
        self.explicit = explicit
        self._read: dict[Path, dict[str, dict] | str] = {}
        self._warned_missing = False  # geen_manifest is said once per run, not once per file

    def locate(self, path: Path) -> Path | None:
        if self.explicit:
            return self.explicit
        for folder in (path.parent, path.parent.parent):
            if (folder / MANIFEST_NAME).is_file():
                return folder / MANIFEST_NAME
        return None

    def entries(self, manifest: Path) -> dict[str, dict] | str:
        """bestand -> row, or a Dutch reason why the manifest cannot be used."""
        if manifest not in self._read:
            try:
                with open(manifest, encoding="utf-8-sig", newline="") as f:
                    reader = csv.DictReader(f)
                    lacking = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
                    self._read[manifest] = (f"kolommen ontbreken: {', '.join(lacking)}" if lacking
                                            else {r["bestand"].strip().replace("\\", "/"): r for r in reader})
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                self._read[manifest] = f"{type(exc).__name__}: {exc}"
        return self._read[manifest]

    def check(self, path: Path, name: str) -> list[Problem]:
        manifest = self.locate(path)
        if manifest is None:
            if self._warned_missing:
                return []
            self._warned_missing = True
            return [problem(name, "geen_manifest", "Geen MANIFEST.csv gevonden in de map van het bestand of de map "
                            "daarboven, dus de herkomst (sha256) is niet gecontroleerd (dit geldt voor elk bestand "
                            "zonder manifest in deze controle). Registreer de levering in raw/MANIFEST.csv of geef "
                            "het manifest op met --manifest.")]
        entries = self.entries(manifest)
        shown = display_path(manifest)
        if isinstance(entries, str):
            return [problem(name, "manifest_onleesbaar", f"{shown} is niet te gebruiken ({entries}). Verwacht: een "
                            f"UTF-8 csv met de kolommen {', '.join(MANIFEST_COLUMNS)}.")]
        digest = sha256(path)
        try:
            key = path.resolve().relative_to(manifest.parent.resolve()).as_posix()
        except ValueError:
            key = path.name
        entry = entries.get(key)
        if entry is None:
            return [problem(name, "manifest_ontbreekt", f"Het bestand staat niet in {shown}. Registreer het daar "
                            f"met bestand={key}, sha256={digest}, bytes={path.stat().st_size}, de ontvangstdatum "
                            "en of het synthetisch is.", waarde=key)]
        if entry["sha256"].strip().lower() != digest:
            return [problem(name, "sha256_afwijkend", f"sha256 is {digest}, in {shown} staat "
                            f"{entry['sha256'].strip()}: het bestand is gewijzigd na ontvangst; vraag de leverancier "
                            "om een nieuwe levering en registreer die in het manifest.", waarde=digest)]
        return []


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

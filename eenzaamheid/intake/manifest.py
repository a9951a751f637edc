"""Which files are deliveries, which year they belong to, and their registration in raw/MANIFEST.csv."""
from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

from ..problems import Problem, display_path, problem

DELIVERY_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
NOT_DELIVERIES = {"manifest.csv", "demo_vervuiling.csv"}  # compared case-insensitively; *.md too
MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_COLUMNS = ("bestand", "jaar", "sha256", "bytes", "ontvangen", "synthetisch")  # required
REPLACES = "vervangt"  # optional column: the manifest path of the delivery this row replaces
SYNTHETIC = "synthetisch"  # `true` or `false` (any case: Excel writes TRUE); read as a bool by read_manifest
SYNTHETIC_VALUES = {"true": True, "false": False}  # the one rule; ja/nee/1/0 or empty are refused, not guessed
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", ".gitkeep"}  # never a delivery, never reported
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
        for sub in _year_folders(p):
            found += sorted(f for f in sub.iterdir() if f.is_file() and _is_delivery(f))
    unique = list(dict.fromkeys(found))
    if not unique and not not_accepted(paths):
        raise UsageError("Geen leveringen (.xlsx of .csv) gevonden in: " + ", ".join(map(str, paths)))
    return unique


def not_accepted(paths: list[Path]) -> list[Path]:
    """Files in a year folder (raw/<year>/, subfolders included) that are not read as a delivery.

    Nothing in a year folder may be skipped silently: an .xls, .ods or .json there holds rows
    that would otherwise never count. Only notes (*.md), a per-year MANIFEST.csv and the
    operating system's own files are left alone."""
    folders = [p for p in paths if p.is_dir() and re.fullmatch(r"\d{4}", p.name)]
    folders += [sub for p in paths if p.is_dir() for sub in _year_folders(p)]
    rejected = []
    for folder in dict.fromkeys(folders):
        for f in sorted(folder.rglob("*")):
            if not f.is_file() or f.name.lower() in SYSTEM_FILES:
                continue
            if f.parent != folder or not _is_delivery(f) and not _is_note(f):
                rejected.append(f)
    return rejected


def _year_folders(folder: Path) -> list[Path]:
    return sorted(d for d in folder.iterdir() if d.is_dir() and re.fullmatch(r"\d{4}", d.name))


def _is_note(path: Path) -> bool:
    return path.name.lower() in NOT_DELIVERIES or path.suffix.lower() == ".md"


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



class ManifestError(Exception):
    """raw/MANIFEST.csv cannot be used; the message (Dutch) says why."""


def read_manifest(manifest: Path) -> list[dict]:
    """The manifest's rows, BOM-tolerant (Excel saves UTF-8 with a BOM): the one reader of its columns.
    `bestand` and `vervangt` normalised to forward slashes, `vervangt` empty when the column is absent
    (older manifests), `synthetisch` a bool (parse_synthetic)."""
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            fieldnames = [(c or "").strip() for c in reader.fieldnames or []]
            lacking = [c for c in MANIFEST_COLUMNS if c not in fieldnames]
            if lacking:
                raise ManifestError(f"kolommen ontbreken: {', '.join(lacking)}")
            reader.fieldnames = fieldnames
            rows = []
            for number, row in enumerate(reader, start=2):  # as Excel shows it: the header is row 1
                row = {k: (v or "").strip() for k, v in row.items() if k is not None}
                row["bestand"] = row["bestand"].replace("\\", "/")
                row[REPLACES] = row.get(REPLACES, "").replace("\\", "/")
                row[SYNTHETIC] = parse_synthetic(row[SYNTHETIC], number, row["bestand"])
                rows.append(row)
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{type(exc).__name__}: {exc}") from exc


def parse_synthetic(value: str, row: int, delivery: str) -> bool:
    """The `synthetisch` cell by the one rule (SYNTHETIC_VALUES); anything else is a ManifestError that
    names the row and the value, so a guess can never publish real answers as demo data or the reverse."""
    try:
        return SYNTHETIC_VALUES[value.strip().lower()]
    except KeyError:
        raise ManifestError(f"rij {row} ({delivery or 'bestand leeg'}) heeft in de kolom {SYNTHETIC} de waarde "
                            f"'{value[:40]}'; toegestaan zijn alleen true (synthetische demodata) en false (echte "
                            "antwoorden)") from None


def synthetic_cell(synthetic: bool) -> str:
    """How `synthetisch` is written into the manifest (the inverse of parse_synthetic)."""
    return "true" if synthetic else "false"


def any_synthetic(manifest: Path) -> bool:
    """True while any delivery in the manifest is flagged synthetic (ManifestError when unreadable)."""
    return any(row[SYNTHETIC] for row in read_manifest(manifest))


def replacements(rows: list[dict]) -> dict[str, str]:
    """Replaced delivery -> the delivery that replaces it (from the later rows' `vervangt`)."""
    return {r[REPLACES]: r["bestand"] for r in rows if r.get(REPLACES)}


class _Manifests:
    """Finds and reads raw/MANIFEST.csv once per run; checks registration, sha256, year and
    re-delivery per file, and the manifest as a whole once."""

    def __init__(self, explicit: Path | None, files: list[tuple[Path, int]] = ()):
        self.explicit = explicit
        self.files = list(files)  # every (delivery, year) of this run: two active ones for a year clash
        self._read: dict[Path, dict[str, dict] | str] = {}
        self._checked: set[Path] = set()  # manifests whose own rows have been checked
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
                self._read[manifest] = {r["bestand"]: r for r in read_manifest(manifest)}
            except ManifestError as exc:
                self._read[manifest] = str(exc)
        return self._read[manifest]

    def _key(self, path: Path, manifest: Path) -> str:
        try:
            return path.resolve().relative_to(manifest.parent.resolve()).as_posix()
        except ValueError:
            return path.name

    def replaced_by(self, path: Path) -> str | None:
        """The manifest path of the delivery that replaces this one, if any."""
        manifest = self.locate(path)
        entries = self.entries(manifest) if manifest else None
        if not isinstance(entries, dict):
            return None
        return replacements(list(entries.values())).get(self._key(path, manifest))

    def check(self, path: Path, name: str, year: int | None = None) -> list[Problem]:
        manifest = self.locate(path)
        problems = self._active_clash(path, name, year) if year is not None else []
        if manifest is None:
            if self._warned_missing:
                return problems
            self._warned_missing = True
            return problems + [problem(
                name, "geen_manifest", "Geen MANIFEST.csv gevonden in de map van het bestand of de map "
                "daarboven, dus de herkomst (sha256) is niet gecontroleerd (dit geldt voor elk bestand "
                "zonder manifest in deze controle). Neem de levering op met `eenzaamheid ontvang` of geef "
                "het manifest op met --manifest.")]
        entries = self.entries(manifest)
        shown = display_path(manifest)
        if isinstance(entries, str):
            return problems + [problem(name, "manifest_onleesbaar", f"{shown} is niet te gebruiken ({entries}). "
                                       f"Verwacht: een UTF-8 csv met de kolommen {', '.join(MANIFEST_COLUMNS)}.")]
        problems += self._check_manifest_once(manifest, entries)
        digest = sha256(path)
        key = self._key(path, manifest)
        entry = entries.get(key)
        if entry is None:
            return problems + [problem(
                name, "manifest_ontbreekt", f"Het bestand staat niet in {shown}. Neem het op met `eenzaamheid "
                f"ontvang BESTAND --jaar {year or 'JAAR'}` (dat registreert bestand={key}, sha256={digest}, "
                f"bytes={path.stat().st_size}).", waarde=key)]
        if entry["sha256"].lower() != digest:
            problems.append(problem(name, "sha256_afwijkend", f"sha256 is {digest}, in {shown} staat "
                                    f"{entry['sha256']}: het bestand is gewijzigd na ontvangst; vraag de leverancier "
                                    "om een nieuwe levering en neem die op met `eenzaamheid ontvang`.", waarde=digest))
        if year is not None and entry["jaar"] != str(year):
            problems.append(problem(
                name, "manifest_jaar_afwijkend", f"In {shown} staat jaar {entry['jaar'] or '(leeg)'}, maar het bestand "
                f"staat in de map van {year} en is als {year} gecontroleerd. Staat het in de verkeerde map, neem het "
                "dan opnieuw op met `eenzaamheid ontvang BESTAND --jaar <jaar>`; anders klopt de rij in het "
                "manifest niet.", waarde=entry["jaar"]))
        newer = replacements(list(entries.values())).get(key)
        if newer:
            problems.append(problem(
                name, "levering_vervangen", f"Deze levering is vervangen door {newer} (kolom vervangt in {shown}). "
                "Ze blijft bewaard in raw/, wordt niet meer gecontroleerd en telt niet mee in de build. U hoeft "
                "niets te doen.", waarde=newer))
        return problems

    def _check_manifest_once(self, manifest: Path, entries: dict[str, dict]) -> list[Problem]:
        """Rows that point nowhere: a file that does not exist, a `vervangt` that is not registered."""
        if manifest in self._checked:
            return []
        self._checked.add(manifest)
        shown, problems = display_path(manifest), []
        for key, row in entries.items():
            if not (manifest.parent / key).is_file():
                problems.append(problem(
                    shown, "manifest_bestand_ontbreekt", f"{shown} noemt {key}, maar dat bestand staat niet in "
                    f"{display_path(manifest.parent)}/. Een levering wordt nooit verwijderd: zet het bestand "
                    "terug (uit de back-up of de mail van de leverancier).", waarde=key))
            old = row.get(REPLACES)
            if old and old not in entries:
                problems.append(problem(
                    shown, "manifest_vervangt_onbekend", f"De rij van {key} zegt dat die {old} vervangt, maar "
                    f"{old} staat niet in {shown}. Gebruik bij --vervangt het pad zoals in de kolom bestand.",
                    waarde=old))
        return problems

    def _active_clash(self, path: Path, name: str, year: int) -> list[Problem]:
        """Two active (not replaced) deliveries for one year: the build cannot know which one counts."""
        if self.replaced_by(path):
            return []
        active = {q.resolve(): q for q, y in self.files if y == year and not self.replaced_by(q)}
        active.setdefault(path.resolve(), path)
        manifest = self.locate(path)
        entries = self.entries(manifest) if manifest else None
        if isinstance(entries, dict):
            replaced = replacements(list(entries.values()))
            for key, row in entries.items():
                f = manifest.parent / key
                if row["jaar"] == str(year) and key not in replaced and f.is_file():
                    active.setdefault(f.resolve(), f)
        if len(active) < 2:
            return []
        order = {(manifest.parent / k).resolve(): i for i, k in enumerate(entries)} if isinstance(entries, dict) else {}
        ranked = sorted(active, key=lambda r: (order.get(r, len(order)), str(r)))  # registered first, then by name
        old, new = active[ranked[0]], active[ranked[-1]]
        old_key = self._key(old, manifest) if manifest else f"{year}/{old.name}"
        shown = display_path(manifest) if manifest else f"raw/{MANIFEST_NAME}"
        return [problem(
            name, "levering_dubbel", f"Voor {year} zijn er {len(active)} actieve leveringen: "
            f"{', '.join(display_path(active[r]) for r in ranked)}; geen ervan is als vervangen gemarkeerd, dus de "
            f"build weet niet welke telt. Is {new.name} de gecorrigeerde levering, neem haar dan op met "
            f"`eenzaamheid ontvang {display_path(new)} --jaar {year} --vervangt {old_key}` (staat ze al in {shown}, "
            f"vul dan in haar rij de kolom vervangt met {old_key}). De oude levering blijft in raw/ en telt niet "
            "meer mee.", waarde=str(year))]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

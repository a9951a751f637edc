"""`eenzaamheid ontvang`: take a delivery into raw/<year>/ and register it in raw/MANIFEST.csv.

The file is copied byte for byte and never overwrites a different file; the manifest gets one
appended row (sha256, size, date received, synthetic, and `vervangt` for a corrected delivery)
while its existing rows keep their bytes. Both writes go through a temporary file and a rename,
so an interrupted intake leaves either the old state or the new one. raw/ is never edited or
deleted from otherwise: a replaced delivery stays, marked by the later row's `vervangt`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

from .. import codebook, contract
from ..atomic import write_atomic
from . import ingest
from .manifest import (DELIVERY_SUFFIXES, MANIFEST_COLUMNS, MANIFEST_NAME, REPLACES, ManifestError, UsageError,
                       read_manifest, replacements, sha256, synthetic_cell)


class NotAccepted(Exception):
    """The file is not a delivery we can read (its type), or its year's delivery contract is missing or
    out of date; the message is Dutch and says what to do. Nothing was written."""


class AlreadyReceived(Exception):
    """This very file (same name, same bytes) is already in raw/ and the manifest: nothing to take in
    again; `target` is its path in raw/, to validate."""

    def __init__(self, message: str, target: Path):
        super().__init__(message)
        self.target = target


def receive(source: Path, year: int, raw_dir: Path, replaces: str | None = None,
            received: str | None = None, synthetic: bool = False) -> tuple[Path, dict]:
    """Copy `source` into raw_dir/<year>/ and append its manifest row; return the copy's path and the row."""
    source, raw_dir = Path(source), Path(raw_dir)
    if not source.is_file():
        raise UsageError(f"Bestand '{source}' bestaat niet (of is een map).")
    if year not in codebook.YEARS:  # a new year: its year file and contract come first, nothing is taken in
        raise NotAccepted(f"Het codeboek kent het jaar {year} nog niet ({', '.join(map(str, codebook.YEARS))}). Er is "
                          f"niets opgenomen: {raw_dir} en {MANIFEST_NAME} zijn niet gewijzigd. Maak het jaar eerst met "
                          f"`eenzaamheid nieuw-jaar {source} --jaar {year}` (zie README, 'Een nieuw jaar toevoegen'), "
                          "pas het toe met --toepassen en neem de levering daarna op.")
    if source.suffix.lower() not in DELIVERY_SUFFIXES:
        raise NotAccepted(f"{source.name}: dit bestandstype wordt niet geaccepteerd ('{source.suffix or '(geen)'}'). "
                          "Vraag de leverancier om de levering als .csv of .xlsx; er is niets opgenomen. "
                          f"{ingest.save_as_xlsx_steps(source)}".rstrip())
    if not raw_dir.is_dir():
        raise UsageError(f"Map '{raw_dir}' bestaat niet; geef de map met de leveringen op met --ruw.")
    # before anything is copied or registered: a delivery whose contract cannot be used would be taken in
    # and then fail validation, leaving a registered file the steward cannot validate
    why = contract.out_of_date(year)
    if why:
        raise NotAccepted(f"{why} Er is niets opgenomen: {raw_dir} en {MANIFEST_NAME} zijn niet gewijzigd. Neem de "
                          f"levering daarna op met: eenzaamheid ontvang {source} --jaar {year}"
                          + (f" --vervangt {replaces}" if replaces else "")
                          + (f" --ontvangen {received}" if received else "") + (" --synthetisch" if synthetic else ""))
    date = _date(received)
    manifest = raw_dir / MANIFEST_NAME
    try:
        rows = read_manifest(manifest) if manifest.exists() else []
    except ManifestError as exc:
        raise UsageError(f"{manifest} is niet te gebruiken ({exc}); herstel het eerst.") from exc
    target = raw_dir / str(year) / source.name
    key = f"{year}/{source.name}"
    registered = {r["bestand"]: r for r in rows}
    if key in registered and target.is_file() and registered[key].get("sha256") == sha256(source) == sha256(target):
        raise AlreadyReceived(f"{key} is al ontvangen en geregistreerd in {manifest} (dezelfde inhoud, sha256 "
                              f"{registered[key]['sha256'][:12]}…); er is niets opnieuw opgenomen. Hieronder de "
                              "validatie van het ontvangen bestand.", target)
    if key in registered:
        hint = (f" Vervangt het een andere levering, vul dan in die rij de kolom {REPLACES}."
                if replaces and not registered[key].get(REPLACES) else "")
        raise UsageError(f"{key} staat al in {manifest}: het is al ontvangen.{hint} Heeft de leverancier een "
                         "nieuwe versie gestuurd, geef die dan een eigen naam (bijvoorbeeld met _v2).")
    old = _replaced(replaces, year, registered, manifest) if replaces else ""
    digest = sha256(source)
    if target.exists() and sha256(target) != digest:
        raise UsageError(f"In {target.parent} staat al een ander bestand met de naam {source.name}; raw/ wordt nooit "
                         "overschreven. Geef de nieuwe levering een eigen naam (bijvoorbeeld met _v2) en ontvang "
                         "die.")
    if not target.exists():
        _copy(source, target)
    row = {"bestand": key, "jaar": str(year), "sha256": digest, "bytes": str(target.stat().st_size),
           "ontvangen": date, "synthetisch": synthetic_cell(synthetic), REPLACES: old}
    _append_row(manifest, row)
    return target, row


def _date(received: str | None) -> str:
    if received is None:
        return dt.date.today().isoformat()
    try:
        return dt.date.fromisoformat(received.strip()).isoformat()
    except ValueError:
        raise UsageError(f"Ontvangstdatum '{received}' is geen datum: schrijf JJJJ-MM-DD, bijvoorbeeld "
                         f"{dt.date.today().isoformat()}.") from None


def _replaced(replaces: str, year: int, registered: dict[str, dict], manifest: Path) -> str:
    """The manifest path of the delivery being replaced, checked: registered, same year, still active."""
    old = replaces.strip().replace("\\", "/")
    if old.startswith("raw/"):  # typed as the path from the project folder
        old = old[len("raw/"):]
    if old not in registered:
        known = ", ".join(k for k, r in registered.items() if r["jaar"] == str(year)) or "(geen)"
        raise UsageError(f"--vervangt {replaces}: die levering staat niet in {manifest}. Geef het pad zoals in de "
                         f"kolom bestand; geregistreerd voor {year}: {known}.")
    if registered[old]["jaar"] != str(year):
        raise UsageError(f"--vervangt {old} is een levering voor {registered[old]['jaar']}, niet voor {year}.")
    newer = replacements(list(registered.values())).get(old)
    if newer:
        raise UsageError(f"{old} is al vervangen door {newer}; geef --vervangt {newer}.")
    return old


def _copy(source: Path, target: Path) -> None:
    """Byte-for-byte copy beside the target, checked, then put in place without overwriting."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.ontvang-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
        if sha256(tmp) != sha256(source):
            raise UsageError(f"Het kopiëren van {source} is mislukt (de kopie wijkt af); probeer het opnieuw.")
        try:
            os.link(tmp, target)  # fails if the target appeared meanwhile: never overwrite
        except FileExistsError:
            raise UsageError(f"{target} bestaat al; raw/ wordt nooit overschreven.") from None
        except OSError:  # no hard links on this file system
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _append_row(manifest: Path, row: dict) -> None:
    """Append one row; the existing bytes (BOM, line endings) stay as they are. A manifest without the
    `vervangt` column gets it (header and each row one empty field longer) when this row needs it."""
    old = manifest.read_bytes() if manifest.exists() else b""
    if not old.strip():
        header = list(MANIFEST_COLUMNS) + [REPLACES]
        old, newline = _line(header, "\n"), "\n"
    else:
        text = old.decode("utf-8-sig")
        newline = "\r\n" if "\r\n" in text else "\n"
        header = [c.strip() for c in next(csv.reader(io.StringIO(text)))]
        if REPLACES not in header and row[REPLACES]:
            old = _add_empty_column(old, newline)
            header.append(REPLACES)
        if not old.endswith(b"\n"):
            old += newline.encode()
    new = old + _line([row.get(c, "") for c in header], newline)
    write_atomic(manifest, new)


def _add_empty_column(data: bytes, newline: str) -> bytes:
    lines = data.decode("utf-8-sig").splitlines()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    if len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) != len(lines):
        raise UsageError("raw/MANIFEST.csv heeft cellen over meerdere regels; voeg de kolom vervangt met de hand toe.")
    body = newline.join(f"{line},{REPLACES}" if i == 0 else f"{line}," for i, line in enumerate(lines))
    return bom + (body + newline).encode("utf-8")


def _line(values: list[str], newline: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerow(values)
    return out.getvalue().encode("utf-8")

"""Person names and street addresses in Dutch free text, found by `deduce`, behind a cache.

deduce (Dutch de-identification, docdeid) builds its lookup structures once per install (~75 s,
kept per machine user and deduce version: `_cache_dir`; `make venv` starts it in the background) and
still needs ~6.6 s to load in every process; a text then takes ~2 ms. Its answer is deterministic, so the result per text is kept
in a committed file (checks/redacties.json: the text's sha256 -> the redacted text, or null when
nothing was found; never the delivered text itself). A build whose free text is all in that
file never imports deduce. Each data root has its own: a build of deliveries elsewhere
(`build --raw X`) keeps it in checks/ beside X (or where --redacties says), never in the checkout's.

Which of deduce's findings we redact: persons, street addresses (street + house number, P.O.
box) and postcodes, BSN, phone numbers and e-mail addresses (a location with a number). Place names, organisations and
care institutions, dates and ages stay readable: a municipality's answer names its own town,
its partners and its year plan, and none of these identify a resident.
"""
from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from . import gcpolicy
from .atomic import write_atomic
from .paths import CHECKS

CACHE_ENV = "EENZAAMHEID_REDACTIE_CACHE"   # another cache file (tests, a steward's own checkout)
DEFAULT_CACHE = CHECKS / "redacties.json"
RULES_VERSION = 1                            # raise when what we redact changes: old entries are dropped
# deduce processors we do not need (dates, ages; URLs are ours). Place names and institutions stay
# on although we keep them: recognised as such, "Den Haag" or "GGD Hollands Midden" is no person.
DISABLED = {"dates", "ages", "urls"}
# deduce tag -> our placeholder kind
TAGS = {"persoon": "naam", "patient": "naam", "locatie": "adres", "bsn": "bsn",
        "telefoonnummer": "telefoon", "emailadres": "email"}

_deduce = None
_cache: dict[str, list | None] | None = None
_dirty = False


def version() -> str:
    return f"deduce-{metadata.version('deduce')}/regels-{RULES_VERSION}"


_chosen: Path | None = None      # given to the build (--redacties), before the environment
_of_root: Path | None = None     # the cache of the data root whose deliveries the build reads


def cache_path() -> Path:
    return Path(_chosen or os.environ.get(CACHE_ENV) or _of_root or DEFAULT_CACHE)


def use_cache(raw_dir: Path, chosen: Path | None = None) -> None:
    """The cache for a build of the deliveries in `raw_dir`: `chosen`, else the environment's, else
    the one of their data root (checks/redacties.json beside raw_dir), never the checkout's when
    the build reads other deliveries. For the project's raw/ that is the committed file."""
    global _chosen, _of_root, _cache, _dirty
    before = cache_path()
    _chosen, _of_root = chosen, Path(raw_dir).resolve().parent / CHECKS.name / DEFAULT_CACHE.name
    if cache_path() != before:  # what was read belongs to another cache
        _cache, _dirty = None, False


def key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load_cache() -> dict[str, list | None]:
    global _cache
    if _cache is None:
        _cache = {}
        try:
            stored = json.loads(cache_path().read_text(encoding="utf-8"))
            if stored.get("versie") == version():
                _cache = dict(stored.get("teksten", {}))
        except (OSError, ValueError, AttributeError):
            pass  # no or unreadable cache: deduce answers, the cache is rewritten
    return _cache


def cached(text: str) -> tuple[bool, tuple[str, int] | None]:
    """(known, result): result None means nothing to redact."""
    cache = _load_cache()
    k = key(text)
    if k not in cache:
        return False, None
    hit = cache[k]
    return True, None if hit is None else (hit[0], int(hit[1]))


def remember(text: str, result: tuple[str, int] | None) -> None:
    global _dirty
    _load_cache()[key(text)] = None if result is None or result[0] == text else [result[0], result[1]]
    _dirty = True


def save_cache() -> None:
    """Write the cache when it learned something (atomically: a killed build leaves the old file)."""
    global _dirty
    if not _dirty or _cache is None:
        return
    entries = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(_cache.items()))
    write_atomic(cache_path(), f'{{"versie": {json.dumps(version())}, "teksten": {{\n{entries}\n}}}}\n')
    _dirty = False


def _build_lock_path() -> Path | None:
    """A lock file beside deduce's own cache of lookup structures (None if deduce is missing)."""
    from importlib.util import find_spec

    spec = find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "data" / "lookup" / ".eenzaamheid-opbouw.lock"


SHARED_ENV = "EENZAAMHEID_DEDUCE_CACHE"  # deduce's cache folder instead of the one below; empty: deduce's own


def _cache_dir() -> Path | None:
    """The folder where deduce keeps the lookup structures it builds: per machine user and deduce
    version, like pip's and uv's package caches, so that a new venv or clone loads them instead of
    building them again (75-130 s of one core). The lookup lists are those of the installed wheel of
    that version. None (deduce's default: its own package folder) when it cannot be created."""
    folder = os.environ.get(SHARED_ENV)
    if folder == "":
        return None
    base = Path(folder) if folder else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "benchmark-eenzaamheid"
    path = base / f"deduce-{metadata.version('deduce')}"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def _model():
    global _deduce
    if _deduce is None:
        import fcntl
        import gc
        import logging

        from deduce import Deduce
        logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))  # its "please wait" note
        # One process at a time builds deduce's lookup structures (`make venv` starts one in the
        # background): deduce writes its cache file in place, and a second builder would double
        # the ~75 s and could read a half-written cache. The others wait, then load the cache.
        cache = _cache_dir()
        lock_path = cache / ".eenzaamheid-opbouw.lock" if cache is not None else _build_lock_path()
        try:
            lock = open(lock_path, "a") if lock_path is not None else None  # noqa: SIM115 - held while building
        except OSError:  # a read-only install: no cache is written there either
            lock = None
        try:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            # Unpickling deduce's lookup structures (millions of objects) triggered garbage
            # collections all the way (load 6.5 -> 2.1 s CPU without them), and every later full
            # collection in this process walked them again (~3 s each): loaded with the build's
            # collector threshold, then frozen out of its sight (they live as long as the process).
            with gcpolicy.batch():
                _deduce = Deduce(cache_path=cache) if cache is not None else Deduce()
            gc.freeze()
        finally:
            if lock is not None:
                lock.close()
    return _deduce


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every personal detail deduce finds that we redact."""
    doc = _model().deidentify(text, disabled=DISABLED)
    # deduce tags place names, street + number, postcodes and P.O. boxes all 'locatie': only the
    # last three hold a number
    return [(a.start_char, a.end_char, TAGS[a.tag]) for a in doc.annotations
            if a.tag in TAGS and (a.tag != "locatie" or any(c.isdigit() for c in a.text))]


def warm() -> float:  # `python -m eenzaamheid.deidentify` (make venv, make deduce)
    """Build deduce's lookup structures (first use after install) and return the seconds it took."""
    import time

    started = time.perf_counter()
    _model().deidentify("Jan Jansen, Kerkstraat 1, 1234 AB Utrecht.", disabled=DISABLED)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"deduce: {warm():.0f} s")

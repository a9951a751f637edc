"""Dutch municipalities (gemeenten) 2019-2025: name/code resolution and successors.

Survey files name municipalities in many ways ("Den Haag", "363", "Hengelo (O)", a
merged-away "Brielle"). Every value is resolved against the CBS list of the year
the data is about, because municipalities merge and CBS relabels names. Only the
project's own files are read: reference/cbs/*.csv and reference/gemeente_aliassen.csv.

Successors follow municipal_changes.csv. For splits (Haaren 2021, Winsum 2019)
one successor is needed to put old data on today's map: we take the non-split row
(Winsum -> Het Hogeland) or otherwise the successor RvIG Tabel 33 gives
(Haaren -> Oisterwijk), and say so in the melding.
"""
from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from eenzaamheid.paths import REFERENCE

FUZZY_MIN, FUZZY_MARGIN = 0.88, 0.04
_QUOTES = str.maketrans({c: "'" for c in "’‘`´ʼ′"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_,()]+")  # hyphens, commas, parentheses = space
_CODE = re.compile(r"^(?:gm)?\s*0*(\d{1,4})$", re.IGNORECASE)
_SUFFIX = re.compile(r"^(.*\S)\s*\([A-Za-z]+\.?\)$")  # "Bergen (NH.)" -> "Bergen"


@lru_cache(maxsize=4096)  # the register normalizes the same ~500 names once per year
def normalize_name(name: str) -> str:
    """Comparison key: case, accents, quote/hyphen variants, dots and brackets ignored."""
    s = str(name).translate(_QUOTES)  # before NFKD, which would turn ´ into an accent
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", s.casefold().replace(".", "")).strip()


def _base(name: str) -> str:
    m = _SUFFIX.match(name)
    return m.group(1) if m else name


@dataclass(frozen=True)
class Resolution:
    year: int
    delivered: str                 # the value as delivered
    gemeente_code: str | None      # CBS code valid in that year
    naam: str | None               # CBS name in that year
    provincie_code: str | None
    provincie: str | None
    opvolger_code: str | None      # code on the latest boundaries
    opvolger_naam: str | None
    methode: str
    kandidaten: tuple[str, ...] = ()
    melding: str | None = None

    @property
    def ok(self) -> bool:
        return self.gemeente_code is not None


class MunicipalityRegister:
    """CBS municipality lists 2019-2025 with precomputed look-up indexes per year."""

    def __init__(self, reference_dir: Path = REFERENCE):
        # The csv module, not pandas: plain str cells and dict look-ups are what the indexes
        # below need, and building them is part of every `validate` run.
        reference_dir = Path(reference_dir)
        rows = sorted(_read_csv(reference_dir / "cbs" / "municipalities_by_year.csv"),
                      key=lambda r: (int(r["year"]), r["gm_code"]))  # later years win below
        changes = _read_csv(reference_dir / "cbs" / "municipal_changes.csv")
        aliases = _read_csv(reference_dir / "gemeente_aliassen.csv")
        # year -> code -> (naam, provincie_code, provincie)
        self._lists: dict[int, dict[str, tuple[str, str, str]]] = {}
        names_of: dict[str, set[str]] = defaultdict(set)
        self._first: dict[str, int] = {}
        for r in rows:
            year, code = int(r["year"]), r["gm_code"]
            self._lists.setdefault(year, {})[code] = (r["name"], r["province_code"], r["province_name"])
            names_of[code].add(r["name"])
            self._first.setdefault(code, year)
        self.years = tuple(sorted(self._lists))
        self.latest_year = self.years[-1]
        self._name = {c["old_gm_code"]: c["old_name"] for c in changes}  # pre-2019 codes
        self._name.update((r["gm_code"], r["name"]) for r in rows)  # latest CBS name wins
        self._history = defaultdict(set)  # every name ever used -> codes
        for code, name in [*((r["gm_code"], r["name"]) for r in rows), *self._name.items()]:
            self._history[normalize_name(name)].add(code)
        self._index_changes(changes)
        self._index_names(names_of, aliases)
        # (alias, code, toelichting) as the alias table has them, for the site's suggestions
        self.aliases = tuple((a["alias"], a["gemeente_code"], a.get("toelichting") or "") for a in aliases)
        self._memo: dict[tuple[int, str], Resolution] = {}

    def _index_changes(self, changes: list[dict[str, str]]) -> None:
        """One successor per ended code; for splits the non-split row, else RvIG's choice."""
        self._next: dict[str, tuple[str, str]] = {}  # old code -> (new code, effective date)
        self._split: dict[str, list[str]] = {}       # old code -> names of all receivers
        self._into = defaultdict(set)                # new code -> old codes
        by_old: dict[str, list[dict[str, str]]] = defaultdict(list)
        for c in changes:
            if c["change_type"] != "rename":
                by_old[c["old_gm_code"]].append(c)
        for old in sorted(by_old):
            g = by_old[old]
            main = [c for c in g if c["change_type"] != "split"] or [c for c in g if "rvig_tabel33" in c["source"]]
            if len({c["new_gm_code"] for c in main}) != 1:
                raise ValueError(f"No unique successor for {old} in municipal_changes.csv")
            self._next[old] = (main[0]["new_gm_code"], main[0]["effective_date"])
            if any(c["change_type"] == "split" for c in g):
                self._split[old] = sorted({c["new_name"] for c in g})
            for c in g:
                self._into[c["new_gm_code"]].add(old)

    def _index_names(self, names_of: dict[str, set[str]], aliases: list[dict[str, str]]) -> None:
        """Per-year dicts so that resolving is look-ups, plus character counts for fuzzy."""
        self._exact, self._suffix, self._alias, self._fuzzy = {}, {}, {}, {}
        for y, lst in self._lists.items():
            exact, suffix = {}, defaultdict(set)
            for code, (naam, _, _) in lst.items():
                key = normalize_name(naam)
                if exact.setdefault(key, code) != code:
                    raise ValueError(f"{y}: {naam} and {exact[key]} normalize alike")
                # The same name without, or with another year's, province suffix.
                base = _base(naam)
                variants = {normalize_name(n) for n in names_of[code] if _base(n) == base}
                for variant in (variants | {normalize_name(base)}) - {key}:
                    suffix[variant].add(code)
            self._exact[y] = exact
            self._suffix[y] = {k: tuple(sorted(v)) for k, v in suffix.items()}
            self._alias[y] = {}
        for a in aliases:
            alias, code = a["alias"], a["gemeente_code"]
            key = normalize_name(alias)
            if code not in self._first:
                raise ValueError(f"Alias {alias!r}: unknown code {code}")
            for y, lst in self._lists.items():
                if self._exact[y].get(key, code) != code:
                    raise ValueError(f"Alias {alias!r} contradicts the official {y} name")
                if code in lst:
                    self._alias[y][key] = code
        pairs_by_year = {y: sorted({**{k: v[0] for k, v in self._suffix[y].items() if len(v) == 1},
                                    **self._exact[y], **self._alias[y]}.items())
                         for y in self.years}
        chars = sorted({ch for pairs in pairs_by_year.values() for name, _ in pairs for ch in name})
        self._alphabet = {ch: i for i, ch in enumerate(chars)}
        for y, pairs in pairs_by_year.items():
            counts = np.zeros((len(pairs), len(chars)), dtype=np.int16)
            cells = [(row, self._alphabet[ch]) for row, (name, _) in enumerate(pairs) for ch in name]
            if cells:
                np.add.at(counts, tuple(np.array(cells).T), 1)
            self._fuzzy[y] = ([n for n, _ in pairs], [c for _, c in pairs], counts)

    # --- successors -------------------------------------------------------------
    def _successor_in(self, code: str, year: int) -> str | None:
        """Code valid in `year` that `code` went into, or None (unknown or not yet existing)."""
        seen = set()
        while code not in self._lists[year]:
            if code not in self._next or code in seen:
                return None
            seen.add(code)
            code = self._next[code][0]
        return code

    def successor(self, code: str) -> str:
        """Code on the latest boundaries (itself if still valid)."""
        m = _CODE.match(str(code).strip())
        found = m and self._successor_in(f"GM{int(m.group(1)):04d}", self.latest_year)
        if not found:
            raise KeyError(f"Onbekende gemeentecode: {code}")
        return found

    def former(self) -> list[tuple[str, str, str, str]]:
        """(name, code, successor code on the latest boundaries, date it ended) of every code no
        longer in use, including those merged away before the first listed year (municipal_changes.csv)."""
        latest = self._lists[self.latest_year]
        return [(self._name[c], c, succ, self._next[c][1]) for c in sorted(self._name)
                if c not in latest and (succ := self._successor_in(c, self.latest_year))]

    # --- tables -----------------------------------------------------------------
    def municipalities(self, year: int) -> pd.DataFrame:
        lst = self._lists[self._check_year(year)]
        return pd.DataFrame([(c, *lst[c]) for c in sorted(lst)],
                            columns=["gemeente_code", "naam", "provincie_code", "provincie"])

    def validity(self) -> pd.DataFrame:
        """One row per code in any year; geldig_tot is the first day it no longer exists."""
        out = []
        for code in sorted(self._first):
            last = max(y for y in self.years if code in self._lists[y])
            naam, pc, prov = self._lists[last][code]
            out.append((code, naam, pc, prov, f"{self._first[code]}-01-01",
                        self._next[code][1] if code in self._next else "", self.successor(code)))
        return pd.DataFrame(out, columns=["gemeente_code", "naam", "provincie_code", "provincie",
                                          "geldig_van", "geldig_tot", "opvolger_code"])

    # --- resolving --------------------------------------------------------------
    def resolve(self, year: int, delivered: str | int | None) -> Resolution:
        key = (self._check_year(year), _as_text(delivered))
        if key not in self._memo:
            self._memo[key] = self._resolve(*key)
        return self._memo[key]

    def _resolve(self, year: int, text: str) -> Resolution:
        lst, s = self._lists[year], text.strip()
        if not s:
            return self._fail(year, text, "onbekend", "Gemeente ontbreekt.")
        if m := _CODE.match(s):
            return self._by_code(year, text, f"GM{int(m.group(1)):04d}")
        key = normalize_name(s)
        if code := self._exact[year].get(key):
            return self._hit(year, text, code, "officiele_naam")
        codes = self._suffix[year].get(key, ())
        if len(codes) == 1:
            return self._hit(year, text, codes[0], "naam_zonder_provinciesuffix")
        if codes:
            names = " of ".join(f"'{lst[c][0]}'" for c in codes)
            return self._fail(year, text, "dubbelzinnig", f"'{text}' past in {year} op meerdere "
                              f"gemeenten; voeg de provincie toe: {names}.", codes)
        if code := self._alias[year].get(key):
            return self._hit(year, text, code, "alias")
        old = sorted(self._history.get(key, set()) - set(lst))
        if old:
            via = {c: self._successor_in(c, year) for c in old}
            succ = sorted({v for v in via.values() if v})
            if len(succ) == 1:
                c = next(c for c in old if via[c])
                return self._hit(year, text, succ[0], "voorganger", self._note(c, year, succ[0]))
            if succ:
                return self._fail(year, text, "dubbelzinnig", f"'{text}' was in {year} al "
                                  "opgeheven en is op meerdere gemeenten over te zetten.", succ)
            return self._not_yet(year, text, old[0])
        return self._spelling(year, text, key)

    def _by_code(self, year: int, text: str, code: str) -> Resolution:
        if code in self._lists[year]:
            return self._hit(year, text, code, "cbs_code")
        if succ := self._successor_in(code, year):
            return self._hit(year, text, succ, "voorganger", self._note(code, year, succ))
        if code in self._first:
            return self._not_yet(year, text, code)
        return self._fail(year, text, "onbekend", f"Onbekende CBS-gemeentecode '{text}'.")

    def _spelling(self, year: int, text: str, key: str) -> Resolution:
        names, codes, counts = self._fuzzy[year]
        q = np.zeros(counts.shape[1], dtype=np.int16)
        for ch in key:
            if ch in self._alphabet:
                q[self._alphabet[ch]] += 1
        # Same bound as SequenceMatcher.quick_ratio(), for all names at once; it is >= ratio(),
        # so names are scored best-bound first and we stop once none can enter the top 3.
        bound = 2 * np.minimum(counts, q).sum(axis=1) / (counts.sum(axis=1) + len(key))
        sm, best = difflib.SequenceMatcher(b=key, autojunk=False), {}
        for i in sorted(np.flatnonzero(bound >= 0.6), key=lambda i: (-bound[i], names[i])):
            if len(best) >= 3 and bound[i] < sorted(best.values())[-3]:
                break
            sm.set_seq1(names[i])
            best[codes[i]] = max(best.get(codes[i], 0.0), sm.ratio())
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:3]  # deterministic
        kandidaten = tuple(c for c, _ in ranked)
        scores = [r for _, r in ranked] + [0.0]
        if ranked and scores[0] >= FUZZY_MIN and scores[0] - scores[1] >= FUZZY_MARGIN:
            code = ranked[0][0]
            return self._hit(year, text, code, "spelvariant", f"'{text}' niet exact gevonden; "
                             f"gelezen als {self._lists[year][code][0]} ({code}).", kandidaten)
        hint = ", ".join(f"{self._lists[year][c][0]} ({c})" for c in kandidaten)
        return self._fail(year, text, "onbekend", f"Onbekende gemeente '{text}' in {year}."
                          + (f" Bedoelt u: {hint}?" if hint else ""), kandidaten)

    def _not_yet(self, year: int, text: str, code: str) -> Resolution:
        lst = self._lists[year]
        before = tuple(sorted(self._into.get(code, set()) & set(lst)))
        hint = f" In {year} waren dat: {', '.join(lst[c][0] for c in before)}." if before else ""
        return self._fail(year, text, "onbekend", f"{self._name[code]} ({code}) bestaat pas "
                          f"vanaf {self._first[code]}, niet in {year}.{hint}", before)

    def _note(self, old: str, year: int, new: str) -> str:
        msg = (f"{self._name[old]} ({old}) bestond in {year} niet meer (opgeheven per "
               f"{self._next[old][1]}); toegewezen aan {self._lists[year][new][0]} ({new}).")
        if old in self._split:
            first = self._name[self._next[old][0]]
            msg += (f" Let op: het gebied is verdeeld over {', '.join(self._split[old])}; "
                    f"{first} is de hoofdopvolger (RvIG Tabel 33).")
        return msg

    def _hit(self, year, text, code, methode, melding=None, kandidaten=()) -> Resolution:
        naam, pc, prov = self._lists[year][code]
        opv = self.successor(code)
        return Resolution(year, text, code, naam, pc, prov, opv, self._name[opv], methode,
                          tuple(kandidaten), melding)

    def _fail(self, year, text, methode, melding, kandidaten=()) -> Resolution:
        return Resolution(year, text, None, None, None, None, None, None, methode,
                          tuple(kandidaten), melding)

    def _check_year(self, year: int) -> int:
        if int(year) not in self._lists:
            raise ValueError(f"Geen gemeentelijst voor {year}; beschikbaar: "
                             f"{self.years[0]}-{self.latest_year}.")
        return int(year)


def _read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of one of the project's reference CSV files, every cell as text."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _as_text(value) -> str:
    """Delivered value as text; missing values (None, NaN, pd.NA) become ''."""
    if value is None or isinstance(value, str):
        return value or ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 363.0 from a numeric column with gaps
    return str(value)


@lru_cache(maxsize=None)
def register() -> MunicipalityRegister:
    """Shared instance: the reference files are read once per process."""
    return MunicipalityRegister()

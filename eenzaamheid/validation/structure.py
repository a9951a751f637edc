"""Structure of a delivery: its headers against the contract (missing, unknown, doubled, renamed)."""
from __future__ import annotations

import difflib

import pandas as pd

from ..problems import Problem, problem

RENAME_MIN_RATIO = 0.8


def _check_structure(headers: list[str], spec: dict, name: str, year: int,
                     frame: pd.DataFrame | None = None) -> tuple[list[Problem], dict[str, int]]:
    """Compare delivered headers with the contract; return problems and contract name -> column position.

    A missing contract column is matched to an unknown delivered one by name (a typo, case, spaces)
    or, given the delivered `frame`, by its answers (all of them among the missing column's options)."""
    problems: list[Problem] = []
    expected = [f["name"] for f in spec["fields"]]
    position: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in position:
            problems.append(problem(name, "kolom_dubbel", f"Kolom '{h}' komt meer dan één keer voor; alleen de "
                                    "eerste is gecontroleerd. Vraag de leverancier om een levering zonder dubbele "
                                    "kolommen.", kolom=h))
        else:
            position[h] = i
    missing = [h for h in expected if h not in position]
    unknown = [h for h in position if h not in set(expected)]
    renamed = _match_renames(unknown, missing)
    if frame is not None:
        renamed.update(_match_by_values(frame, position, [u for u in unknown if u not in renamed],
                                        [m for m in missing if m not in {w for w, _ in renamed.values()}], spec))
    columns = {h: position[h] for h in expected if h in position}
    for delivered, (wanted, ratio) in renamed.items():
        columns[wanted] = position[delivered]
        how = ("alle antwoorden zijn opties van die vraag" if ratio is None
               else "alleen hoofdletters of spaties anders" if ratio == 1 else f"naam {ratio:.0%} gelijk")
        problems.append(problem(
            name, "kolom_hernoemd", f"Contractkolom '{wanted}' ontbreekt en lijkt hernoemd naar '{delivered}' "
            f"({how}). De waarden zijn gecontroleerd als '{wanted}'; vraag de leverancier om de "
            "kolomnaam uit het contract, of leg de nieuwe naam vast in schemas/jaren/{year}.yaml.", kolom=delivered))
    for h in missing:
        if h not in {w for w, _ in renamed.values()}:
            problems.append(problem(name, "kolom_ontbreekt", f"Kolom '{h}' uit het contract voor {year} ontbreekt. "
                                    f"Vraag de leverancier om een levering met deze kolom (zie schemas/raw/{year}.yaml).",
                                    kolom=h))
    for h in unknown:
        if h not in renamed:
            label = f"Kolom '{h}'" if h else "Een kolom zonder naam"
            problems.append(problem(name, "kolom_onbekend", f"{label} staat niet in het contract voor {year}. Is de "
                                    f"vragenlijst gewijzigd, pas dan eerst schemas/jaren/{year}.yaml aan; anders vraag de "
                                    "leverancier om een levering volgens het contract.", kolom=h))
    return problems, columns


def _match_renames(unknown: list[str], missing: list[str]) -> dict[str, tuple[str, float]]:
    """Pair unknown with missing headers that differ only a little (case, spaces, a typo); best pairs first."""
    def key(h: str) -> str:
        return " ".join(h.split()).casefold()
    pairs = []
    for u in unknown:
        sm = difflib.SequenceMatcher(None, key(u), autojunk=False)
        for m in missing:
            sm.set_seq2(key(m))
            if sm.real_quick_ratio() >= RENAME_MIN_RATIO and sm.quick_ratio() >= RENAME_MIN_RATIO:
                ratio = sm.ratio()
                if ratio >= RENAME_MIN_RATIO:
                    pairs.append((-ratio, u, m))
    matched: dict[str, tuple[str, float]] = {}
    for neg_ratio, u, m in sorted(pairs):
        if u not in matched and m not in {w for w, _ in matched.values()}:
            matched[u] = (m, -neg_ratio)
    return matched



def _match_by_values(frame: pd.DataFrame, position: dict[str, int], unknown: list[str], missing: list[str],
                     spec: dict) -> dict[str, tuple[str, None]]:
    """Pair an unknown column with the one missing column whose options hold all its answers.

    Many questions share their options (Ja/Nee), so only a single candidate counts as a match."""
    def key(v) -> str:
        return " ".join(str(v).split()).casefold()
    options = {f["name"]: {key(o) for o in f.get("constraints", {}).get("enum") or []} for f in spec["fields"]}
    matched: dict[str, tuple[str, None]] = {}
    for u in unknown:
        answers = {key(v) for v in frame.iloc[:, position[u]].dropna().unique()} - {""}
        fits = [m for m in missing if answers and options.get(m) and answers <= options[m]
                and m not in {w for w, _ in matched.values()}]
        if len(fits) == 1:
            matched[u] = (fits[0], None)
    return matched

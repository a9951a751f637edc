"""The survey years as readers see them: the one place that writes a range of years.

Nothing a reader sees types the survey years: the site takes them from the served database
(Store.jaren, table `jaargangen`), the build from the codebook (`codebook.YEARS`, one year per
delivery). metadata.yml says `{jaren}` (and the other PLACEHOLDERS) where its texts name the years;
`fill` puts the years in, so a new year changes every title, description and catalogue record.
"""
from __future__ import annotations

from collections.abc import Iterable
import re

DASH = "\u2013"  # en dash: Dutch typesetting of a range of years


def span(years: Iterable[int]) -> str:
    """'2019–2024' (en dash); one year alone; '' without years."""
    ordered = sorted(set(int(y) for y in years))
    if not ordered:
        return ""
    first, last = ordered[0], ordered[-1]
    return str(first) if first == last else f"{first}{DASH}{last}"


def in_words(years: Iterable[int]) -> str:
    """'van 2019 tot en met 2024' (prose, where a dash could be read as exclusive); 'in 2019' for one year."""
    ordered = sorted(set(int(y) for y in years))
    if not ordered:
        return ""
    first, last = ordered[0], ordered[-1]
    return f"in {first}" if first == last else f"van {first} tot en met {last}"


def placeholders(years: Iterable[int]) -> dict[str, str]:
    """What each placeholder of metadata.yml becomes (documented there)."""
    ordered = sorted(set(int(y) for y in years))
    return {"jaren": span(ordered), "eerste_jaar": str(ordered[0]) if ordered else "",
            "laatste_jaar": str(ordered[-1]) if ordered else "", "aantal_jaren": str(len(ordered))}


def fill(value, years: Iterable[int]):
    """`value` (str, or lists/dicts of them, e.g. the whole metadata.yml) with `{jaren}` and the other
    placeholders filled in; any other text in braces stays as it is."""
    values = placeholders(years)
    pattern = re.compile(r"\{(" + "|".join(values) + r")\}")

    def walk(v):
        if isinstance(v, str):
            return pattern.sub(lambda m: values[m.group(1)], v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v
    return walk(value)


def period(years: Iterable[int], given: dict | None = None) -> dict[str, str]:
    """The time the data covers: 1 January of the first year to 31 December of the last, unless
    metadata.yml sets `catalogus.periode` (begin/eind) itself."""
    ordered = sorted(set(int(y) for y in years))
    derived = {"begin": f"{ordered[0]}-01-01", "eind": f"{ordered[-1]}-12-31"} if ordered else {}
    return {**derived, **{k: str(v) for k, v in (given or {}).items() if v}}

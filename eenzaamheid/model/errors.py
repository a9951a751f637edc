"""How a metadata problem is said (file, line, key path, in Dutch), without importing pydantic: the
codebook's merge uses it on every load, the models (base.py) only when a file is checked."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from .lines import line_of

Loc = tuple  # mapping keys and 0-based list indexes, as pydantic's error `loc`


class MetadataError(Exception):
    """A metadata file breaks its model; the message (Dutch) lists every problem found."""

    heading = "De metadata klopt niet:"

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(self.heading + "\n" + "\n".join(f"- {p}" for p in problems))


def where(shown: str, path: Path | None, loc: Loc) -> str:
    """`schemas/x.yaml, regel 12: a > b` (1-based list positions, as a person counts)."""
    line = line_of(path, loc)
    keys = " > ".join(str(s + 1) if isinstance(s, int) else str(s) for s in loc)
    return f"{shown}{f', regel {line}' if line else ''}: {keys or 'het bestand'}"


def duplicates(values: Iterable[Any]) -> list[int]:
    """The positions of values that appeared before (a duplicate id is the second one)."""
    seen, out = set(), []
    for n, value in enumerate(values):
        if value in seen:
            out.append(n)
        seen.add(value)
    return out

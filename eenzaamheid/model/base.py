"""The strict base of every metadata model, and how a problem is said: file, line, key path, in Dutch.

Every model forbids keys it does not define (`extra="forbid"`) and converts nothing (`strict`): a
misspelled key or a number written as text is an error, never silently read. `check` validates one
file's data against its model and then its references (each file kind's `references`), and returns
every problem as one Dutch line: `<file>, regel <n>: <key path>: <what is wrong>`.
"""
from __future__ import annotations

import contextlib
import os
import types
import typing
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import Loc, MetadataError, duplicates, where  # noqa: F401  (the models' modules use them from here)


class Strict(BaseModel):
    """A metadata mapping: only the keys below, each of the type given."""

    # built on first validation (in `check`), not when the class is defined: see _no_plugins
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True, frozen=True, defer_build=True)


@contextlib.contextmanager
def _no_plugins():
    """While a model is built: pydantic would first search the metadata of every installed package for
    plugins of its own (~0.05 s; eenzaamheid/validation/values.py does the same for pandera's models)."""
    before = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = before


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _unwrap(t: Any) -> Any:
    """The model or container inside Optional[...], Annotated[...] or a union with scalars."""
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            structured = [a for a in args if typing.get_origin(a) in (list, dict, tuple) or _is_model(a)]
            if not structured:
                return args[0]
            t = structured[0]
        else:
            return t


def model_at(model: type[BaseModel], loc: Loc) -> Any:
    """The type that validates the value at `loc` under `model` (None when the path leaves the model)."""
    t: Any = model
    for step in loc:
        t = _unwrap(t)
        if _is_model(t):
            field = next((f for n, f in t.model_fields.items() if step in (n, f.alias)), None)
            if field is None:
                return None
            t = field.annotation
        elif typing.get_origin(t) in (list, tuple) and isinstance(step, int):
            t = typing.get_args(t)[0]
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        else:
            return None
    return _unwrap(t)


def _data_path(data: Any, loc: Loc) -> Loc:
    """`loc` without pydantic's own steps (union members, 'function-after[...]'): only keys and indexes
    that exist in the data, and the last step (a missing key) kept."""
    out, node = [], data
    for n, step in enumerate(loc):
        if isinstance(node, dict) and step in node:
            out.append(step)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            out.append(step)
            node = node[step]
        elif n == len(loc) - 1 and isinstance(node, dict):
            out.append(step)
    return tuple(out)


_TYPES = {"int": "een geheel getal", "float": "een getal", "string": "tekst", "bool": "true of false",
          "list": "een lijst", "dict": "een mapping (sleutel: waarde)", "model": "een mapping (sleutel: waarde)",
          "tuple": "een lijst", "date": "een datum"}


def _dutch(error: dict, model: type[BaseModel], loc: Loc) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = model_at(model, loc[:-1])
        allowed = ", ".join(allowed_keys(parent)) if _is_model(parent) else "?"
        return f"onbekende sleutel; toegestaan zijn {allowed}."
    if kind == "missing":
        return "ontbreekt (verplicht)."
    if kind == "literal_error":
        return f"is {error.get('input')!r}; toegestaan is {error['ctx']['expected'].replace(' or ', ' of ')}."
    if kind.endswith("_type") or kind.endswith("_parsing"):
        base = kind.rsplit("_", 1)[0]
        return f"moet {_TYPES.get(base, base)} zijn, niet {error.get('input')!r}."
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"]


def check(data: Any, model: type[BaseModel], shown: str, path: Path | None,
          references: Callable[[Any], Iterable[tuple[Loc, str]]] | None = None,
          ignore: frozenset = frozenset()) -> tuple[Any, list[str]]:
    """(the validated model or None, the problems) of one file's `data`; a problem at a path in
    `ignore` (a TODO the caller reports itself) is left out."""
    try:
        with _no_plugins():
            obj = model.model_validate(data)
    except ValidationError as exc:
        out = []
        for error in exc.errors(include_url=False):
            loc = _data_path(data, tuple(error["loc"]))
            if not any(loc[:len(skip)] == skip for skip in ignore):
                out.append(f"{where(shown, path, loc)}: {_dutch(error, model, loc)}")
        return None, out
    found = list(references(obj)) if references else []
    return obj, [f"{where(shown, path, loc)}: {text}" for loc, text in found]

"""The metadata reference (docs/metadata.md), rendered from the models' descriptions so that what a key
means is written once, in the model. scripts/write_metadata_reference.py writes it; a test fails when
the committed page differs."""
from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from . import checks, codebook, metadata, tableschema

# (file kind, its model), in the order of the page
FILES = [("schemas/codebook.yaml", codebook.Codeboek), ("schemas/jaren/<jaar>.yaml", codebook.Jaar),
         ("schemas/clean/<tabel>.yaml en schemas/published_figures.yaml", tableschema.TableSchema),
         ("metadata.yml", metadata.Metadata), ("checks/handmatige_controles.yml", checks.HandmatigeControles)]

INTRO = """# Metadata: elke sleutel van elk YAML-bestand

<!-- Geschreven door scripts/write_metadata_reference.py uit de modellen in eenzaamheid/model/; niet met de hand
bewerken: een test faalt als deze pagina afwijkt van wat het script schrijft. -->

Elk YAML-bestand dat de build leest heeft een model (eenzaamheid/model/). Een sleutel die het model niet kent,
een waarde van de verkeerde soort, een verwijzing naar iets dat niet bestaat (een vraag, optie, item, bron,
sectie, tabel of kolom) of een dubbele code is een fout: `eenzaamheid validate` en `eenzaamheid build` stoppen
dan (exitcode 2) met per probleem het bestand, de regel, het pad van sleutels en, bij een onbekende sleutel,
de sleutels die wel mogen. Hieronder staat per bestand wat elke sleutel betekent.

Verplicht: *ja* als de sleutel er moet staan; de andere mogen ontbreken (of leeg zijn).
"""

_SCALARS = {str: "tekst", int: "geheel getal", float: "getal", bool: "true of false", Any: "iets"}


def _anchor(model: type[BaseModel]) -> str:
    return model.__name__.lower()


def _type(t: Any) -> str:
    """The type in Dutch, a nested model as a link to its section."""
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (typing.Union, types.UnionType):
        shown = [_type(a) for a in args if a is not type(None)]
        return " of ".join(dict.fromkeys(shown))
    if origin is typing.Literal:
        return "een van " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"lijst van {_type(args[0])}"
    if origin is dict:
        return f"mapping {_type(args[0])} → {_type(args[1])}"
    if isinstance(t, type) and issubclass(t, BaseModel):
        return f"[{t.__name__}](#{_anchor(t)})"
    return _SCALARS.get(t, getattr(t, "__name__", str(t)) if t.__module__ != "datetime" else "datum")


def _nested(t: Any) -> list[type[BaseModel]]:
    if isinstance(t, type) and issubclass(t, BaseModel):
        return [t]
    return [m for a in typing.get_args(t) for m in _nested(a)]


def _section(model: type[BaseModel], level: int) -> list[str]:
    lines = [f"{'#' * level} {model.__name__}", "", model.uitleg, "",
             "| sleutel | soort | verplicht | betekenis |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        text = (field.description or "").replace("|", "\\|")
        lines.append(f"| `{field.alias or name}` | {_type(field.annotation)} | "
                     f"{'ja' if field.is_required() else ''} | {text} |")
    return lines + [""]


def render() -> str:
    out = [INTRO]
    seen: list[type[BaseModel]] = []  # a model shared by two files is described once, under the first
    for title, root in FILES:
        out += [f"## {title}", ""]
        todo = [root]
        while todo:
            model = todo.pop(0)
            if model in seen:
                continue
            seen.append(model)
            out += _section(model, 3)
            todo += [m for f in model.model_fields.values() for m in _nested(f.annotation)]
    return "\n".join(out).rstrip() + "\n"

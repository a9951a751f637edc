"""Where a key stands in a YAML file: the line of a key path, for the messages of the metadata model.

Only asked when something is wrong: the files are read with the fast loader (yamlfile) and composed
once more, with node marks, just to name the line. A path is a tuple of mapping keys and 0-based list
indexes, as pydantic's error `loc`; a key that is missing gives the line of the mapping it belongs in.
"""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from ..yamlfile import SafeLoader


@functools.lru_cache(maxsize=64)
def _composed(path: str, mtime: float) -> yaml.Node | None:
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.compose(f, Loader=SafeLoader)
    except (OSError, yaml.YAMLError):
        return None


def line_of(path: Path | None, loc: tuple) -> int | None:
    """The 1-based line of the key or list entry at `loc` in the YAML file `path` (None: unknown)."""
    if path is None or not Path(path).is_file():
        return None
    node = _composed(str(path), Path(path).stat().st_mtime)
    if node is None:
        return None
    line = node.start_mark.line
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == str(step)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line
        else:
            break
    return line + 1

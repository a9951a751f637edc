"""The one way the project writes a file: aside, then renamed into place.

A reader (the web server, a colleague, the next build) sees the old file or the new one, never half
of one, and an interrupted run leaves no stray temporary file behind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

PUBLIC_MODE = 0o644  # mkstemp makes files private; reports and exports are read by the web server


def write_atomic_with(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through `write(binary file)` into a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, PUBLIC_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write bytes, or text as UTF-8 with the line endings it has, atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_atomic_with(path, lambda f: f.write(payload))

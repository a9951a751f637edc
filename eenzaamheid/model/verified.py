"""Which codebook files passed their model already, so that loading the codebook imports pydantic and
builds the models (~0.2 s of a fresh process, measured) only when a file or the model has changed.

The key is a hash of the files' bytes and of the model's code (this package, the merge in
codebook_years.py, pydantic's version): the same key gives the same verdict. Only a pass is remembered,
as an empty file named by the key in a per-user cache folder (like pip's and deduce's); a folder that
cannot be written only means checking again next time.
"""
from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec
from pathlib import Path

FOLDER_ENV = "EENZAAMHEID_MODEL_CACHE"   # another folder; set but empty: remember nothing, always check
_CODE = Path(__file__).resolve().parent


def _folder() -> Path | None:
    folder = os.environ.get(FOLDER_ENV)
    if folder == "":
        return None
    if folder:
        return Path(folder)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "benchmark-eenzaamheid" / "metadata-model"


def key(files: list[Path]) -> str:
    """The hash of the files' bytes (and names) and of the code that checks them."""
    digest = hashlib.sha256()
    spec = find_spec("pydantic")
    version = Path(spec.origin).with_name("version.py") if spec and spec.origin else None
    code = sorted(_CODE.glob("*.py")) + [_CODE.parent / "codebook_years.py"]
    for path in [*code, *([version] if version and version.is_file() else []), *files]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def known(key: str) -> bool:
    folder = _folder()
    return folder is not None and (folder / key).is_file()


def remember(key: str) -> None:
    folder = _folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / key).touch()
    except OSError:
        pass  # checked again next time

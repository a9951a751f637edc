"""Every YAML file the build reads, checked against its model and its references in one pass:
`problems()` lists what is wrong (Dutch: file, line, key path), `ensure_valid()` raises it.
`eenzaamheid valideer` and `bouw` call `ensure_valid` first; a test runs it over the committed files.
It sits with the quality stage, not in model/: it reads the tables, views and checks the stages define.

The delivery contracts (schemas/raw/<jaar>.yaml) are not here: they are generated from the codebook
and `contract.out_of_date` already fails on any difference from what the codebook gives.
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import yamlfile
from ..model import checks, metadata, tableschema
from ..model.base import MetadataError, check
from ..paths import CHECKS, ROOT, SCHEMAS

CODEBOOK = SCHEMAS / "codebook.yaml"
MANUAL = CHECKS / "handmatige_controles.yml"
VIEW = re.compile(r"^CREATE VIEW (\w+)", re.MULTILINE)


def _shown(path: Path, root: Path = ROOT) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _load(path: Path, problems: list[str], root: Path):
    """The YAML of `path`, or None with the reason in `problems` (unreadable, broken YAML). A file that
    is not there is not checked: the stage that needs it says so (a trial root may hold only some)."""
    import yaml

    if not path.exists():
        return None
    try:
        return yamlfile.load(path)
    except OSError as exc:
        problems.append(f"{_shown(path, root)}: kan het bestand niet lezen ({exc.strerror}).")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(f"{_shown(path, root)}{f', regel {mark.line + 1}' if mark else ''}: geen geldige YAML.")
    return None


def problems(root: Path = ROOT) -> list[str]:
    """Every problem in the Table Schemas, metadata.yml and checks/handmatige_controles.yml under `root`
    (the data root), all files at once so that one round fixes them. The codebook must be right first
    (CodebookError): the other files refer to its questions and years."""
    from .. import codebook

    found: list[str] = []
    book = codebook.load(root / CODEBOOK.relative_to(ROOT))
    tables = _table_schemas(found, root)
    meta = root / "metadata.yml"
    data = _load(meta, found, root)
    if data is not None:
        headlines = {h["vraag_id"] for h in book.headlines()}
        found += check(data, metadata.Metadata, _shown(meta, root), meta,
                       lambda m: metadata.references(m, tables, headlines, book.years))[1]
    manual = root / MANUAL.relative_to(ROOT)
    data = _load(manual, found, root)
    if data is not None:
        published = tables.get("gepubliceerde_cijfers") or []
        found += check(data, checks.HandmatigeControles, _shown(manual, root), manual,
                       lambda c: checks.references(c, tables, published))[1]
    return found


def ensure_valid() -> None:
    """Raise CodebookError or MetadataError (Dutch, every problem with file and line) unless every
    metadata file is right."""
    found = problems()
    if found:
        raise MetadataError(found)


def _table_schemas(found: list[str], root: Path) -> dict[str, list[str] | None]:
    """Check every Table Schema; return every table and view the site serves with its columns (None:
    a view, whose columns only the database knows)."""
    from ..tables import cleanschema, load
    from .tables import TABLE_SCHEMAS

    raw = {}
    for table in cleanschema.TABLES:
        path = root / cleanschema.schema_path(table).relative_to(ROOT)
        if path.exists():
            raw[table] = (path, _load(path, found, root))
    columns: dict[str, list[str] | None] = {
        t: [f.get("name") for f in (d or {}).get("fields") or [] if isinstance(f, dict)] for t, (_, d) in raw.items()}
    if raw.get("antwoorden_breed", (None, None))[1] is not None:  # its other columns follow from the codebook
        try:
            columns["antwoorden_breed"] = cleanschema.field_names("antwoorden_breed")
        except MetadataError:
            pass
    for table, (path, data) in raw.items():
        if data is not None:
            found += check(data, tableschema.TableSchema, _shown(path, root), path,
                           lambda s, t=table: tableschema.references(s, t, columns.get))[1]
    columns.update({t: [f["name"] for f in s["fields"]] for t, s in TABLE_SCHEMAS.items()})
    columns["build"] = ["sleutel", "waarde"]
    if load.VIEWS_SQL.exists():
        columns.update({v: None for v in VIEW.findall(load.VIEWS_SQL.read_text(encoding="utf-8"))})
    return columns

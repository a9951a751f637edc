"""The codebook as files: the questionnaire (schemas/codebook.yaml) plus one file per survey year
(schemas/jaren/<jaar>.yaml), merged into the one dict that `codebook.Codebook` reads.

A year file holds everything a survey year adds: its `jaargang`, its `levering` (format, headers of
the metadata columns), sources it cites first, questions and options first asked that year, and per
question that year's version. Adding a year is adding a file (`eenzaamheid nieuw-jaar` drafts it).
The merge rebuilds what the single-file codebook had: `jaargangen`, `leveringen`, `versies` per question
in year order, `jaren` under items (the years whose version has a column for the item) and under
options only when some year of the question did not offer them.

Each file is first checked against its model (eenzaamheid/model/codebook.py: the keys allowed, their
types); the merge then checks what spans files (a version of an unknown question, a source or option
never defined, a duplicate id). Every problem is a `CodebookError` with a Dutch message naming the
file, the line and the key path.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

from . import yamlfile
from .model import verified
from .model.errors import MetadataError, where

YEAR_FILE = re.compile(r"(\d{4})\.yaml")   # drafts (2025.concept.yaml) and notes (*.md) do not match


class CodebookError(MetadataError):
    """The codebook files cannot be merged; the message (Dutch) lists every problem found."""

    heading = "Het codeboek klopt niet:"


def year_files(years_dir: Path) -> list[Path]:
    """The survey-year files, in year order; any other file in the folder is ignored."""
    if not years_dir.is_dir():
        return []
    return sorted((p for p in years_dir.iterdir() if YEAR_FILE.fullmatch(p.name)), key=lambda p: p.name)


def read(codebook_path: Path, years_dir: Path) -> dict:
    """The merged codebook from the questionnaire file and every year file."""
    root = codebook_path.parent.parent
    base = _read_yaml(codebook_path, root)
    years = [(_shown(p, root), int(YEAR_FILE.fullmatch(p.name).group(1)), _read_yaml(p, root))
             for p in year_files(years_dir)]
    paths = {_shown(p, root): p for p in [codebook_path, *year_files(years_dir)]}
    return merge(base, years, _shown(codebook_path, root), paths)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read_yaml(path: Path, root: Path) -> dict:
    import yaml

    try:
        data = yamlfile.load(path)
    except OSError as exc:
        raise CodebookError([f"{_shown(path, root)}: kan het bestand niet lezen ({exc.strerror})."]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        raise CodebookError([f"{_shown(path, root)}: geen geldige YAML{line}."]) from None
    if not isinstance(data, dict):
        raise CodebookError([f"{_shown(path, root)}: verwacht een YAML-mapping met sleutels bovenaan."])
    return data


def merge(base: dict, years: list[tuple[str, int, dict]], base_name: str = "schemas/codebook.yaml",
          paths: dict[str, Path] | None = None) -> dict:
    """Merge the questionnaire `base` with year files given as (shown name, year from the file name, content);
    `paths` (shown name -> file) lets a message name the line.

    Raises CodebookError listing every problem (all files), so a steward fixes them in one round.
    """
    paths = paths or {}
    problems = _model_problems(base, years, base_name, paths)
    if problems:  # a file that breaks its model cannot be merged
        raise CodebookError(problems)
    merged = _Merged([], dict(base.get("bronnen") or {}), paths)
    for i, q in enumerate(base.get("vragen") or []):
        _add_question(merged, q, None, (base_name, ("vragen", i)), problems)
    for name, file_year, data in sorted(years, key=lambda y: y[1]):
        _merge_year(merged, name, file_year, data, problems)
    problems += merged.question_problems(base)
    if problems:
        raise CodebookError(problems)
    out = {k: base[k] for k in ("toelichting",) if k in base}
    out["bronnen"] = merged.sources
    out.update({k: base[k] for k in ("secties", "typen") if k in base})
    out["jaargangen"] = merged.jaargangen
    out["leveringen"] = merged.leveringen
    out["vragen"] = [merged.finish(q) for q in merged.questions]
    return out


def _model_problems(base: dict, years: list[tuple[str, int, dict]], base_name: str,
                    paths: dict[str, Path]) -> list[str]:
    """Each file against its model (eenzaamheid/model/codebook.py), unless these very files passed before
    (model/verified.py: no pydantic to import then)."""
    files = [paths.get(name) for name in [base_name, *(y[0] for y in years)]]
    stamp = verified.key(files) if all(files) else None
    if stamp is not None and verified.known(stamp):
        return []
    from .model import codebook as model
    from .model.base import check
    from .model.codebook_refs import codebook_references

    problems = check(base, model.Codeboek, base_name, paths.get(base_name), codebook_references)[1]
    for name, _, data in years:
        # a TODO left (a draft of `eenzaamheid nieuw-jaar`) is said as such, not as the wrong type it is
        todos = list(_todos(data, []))
        problems += [f"{where(name, paths.get(name), tuple(loc))} is nog TODO: {text}" for loc, text in todos]
        problems += check(data, model.Jaar, name, paths.get(name), ignore=frozenset(tuple(t[0]) for t in todos))[1]
    if not problems and stamp is not None:
        verified.remember(stamp)
    return problems


class _Merged:
    """What the year files add to the questionnaire, collected year by year."""

    def __init__(self, questions: list[dict], sources: dict, paths: dict[str, Path]):
        self.questions = questions
        self.sources = sources
        self.paths = paths
        self.jaargangen: list[dict] = []
        self.leveringen: list[dict] = []
        self.versions: dict[str, list[dict]] = {}
        self.origin: dict[str, tuple[str, tuple]] = {}        # vraag_id -> (file, key path) where defined
        self.option_from: dict[tuple[str, str], int] = {}     # (vraag_id, optie_code) -> first year offered
        self.dropped: dict[tuple[str, str], set[int]] = {}    # (vraag_id, optie_code) -> years not offered
        self.notes: dict[str, list[str]] = {}                 # vraag_id -> "<jaar>: <noot>" of years not asked

    def at(self, name: str, *loc) -> str:
        """`<file>, regel <n>: <key path>` of a place in one of the merged files."""
        return where(name, self.paths.get(name), loc)

    def question(self, vraag_id: str) -> dict | None:
        return next((q for q in self.questions if q["vraag_id"] == vraag_id), None)

    def question_problems(self, base: dict) -> list[str]:
        """References inside the merged questions (sections, types, options of groups, headline
        figures, skip rules), checked once every year has added its questions and options."""
        from .model.codebook_refs import question_references

        sections = {s["sectie"] for s in base.get("secties") or []}
        types = {t["type"] for t in base.get("typen") or []}
        return [f"{self.at(*self.origin[vid][:1], *self.origin[vid][1], *loc)}: {text}"
                for vid, loc, text in question_references(self.questions, sections, types, set(self.sources))]

    def finish(self, q: dict) -> dict:
        """The question as the single-file codebook had it: `versies` (before `noot`) and the `jaren` lists."""
        vid = q["vraag_id"]
        versions = self.versions.get(vid, [])
        years = [v["jaar"] for v in versions]
        out: dict = {}
        for key, value in q.items():
            if key == "noot":
                out["versies"] = versions
            if key == "opties":
                value = [self._option_years(vid, o, years) for o in value]
            elif key == "items":
                value = [{**i, "jaren": [v["jaar"] for v in versions if i["item_code"] in (v.get("kolommen") or {})]}
                         for i in value]
            out[key] = value
        out.setdefault("versies", versions)
        if self.notes.get(vid):
            out["noot"] = " ".join(([q["noot"]] if q.get("noot") else []) + self.notes[vid])
        return out

    def _option_years(self, vraag_id: str, option: dict, years: list[int]) -> dict:
        first = self.option_from.get((vraag_id, option["optie_code"]))
        dropped = self.dropped.get((vraag_id, option["optie_code"]), set())
        offered = [y for y in years if (first is None or y >= first) and y not in dropped]
        return {**option, "jaren": offered} if offered != years else dict(option)


def _add_question(m: _Merged, q: dict, after: str | None, origin: tuple[str, tuple], problems: list[str]) -> None:
    vid = q["vraag_id"]
    if m.question(vid) is not None:
        problems.append(f"{m.at(origin[0], *origin[1], 'vraag_id')}: vraag '{vid}' is al eerder gedefinieerd.")
        return
    q = {k: copy.deepcopy(v) for k, v in q.items() if k != "na"}
    position = len(m.questions)
    if after is not None:
        index = next((n for n, x in enumerate(m.questions) if x["vraag_id"] == after), None)
        if index is None:
            problems.append(f"{m.at(origin[0], *origin[1], 'na')}: onbekende vraag '{after}'.")
        else:
            position = index + 1
    m.questions.insert(position, q)
    m.versions.setdefault(vid, [])
    m.origin[vid] = origin


def _merge_year(m: _Merged, name: str, file_year: int, data: dict, problems: list[str]) -> None:
    if data["jaar"] != file_year:
        problems.append(f"{m.at(name, 'jaar')}: is {data['jaar']!r}, maar de bestandsnaam zegt {file_year}.")
    m.jaargangen.append({"jaar": file_year, **(data.get("jaargang") or {})})
    m.leveringen.append({"jaar": file_year, **data["levering"]})
    for code, source in (data.get("bronnen") or {}).items():
        if code in m.sources:
            problems.append(f"{m.at(name, 'bronnen', code)}: bron '{code}' is al eerder gedefinieerd.")
        m.sources[code] = source
    for i, q in enumerate(data.get("nieuwe_vragen") or []):
        _add_question(m, q, q.get("na"), (name, ("nieuwe_vragen", i)), problems)
    for vid, version in data["versies"].items():
        _merge_version(m, name, file_year, vid, version, problems)
    for vid, note in (data.get("niet_gevraagd") or {}).items():
        if m.question(vid) is None:
            problems.append(f"{m.at(name, 'niet_gevraagd', vid)}: onbekende vraag '{vid}'.")
        elif vid in data["versies"]:
            problems.append(f"{m.at(name, 'niet_gevraagd', vid)}: de vraag heeft ook een versie in dit jaar.")
        else:
            m.notes.setdefault(vid, []).append(f"{file_year}: {note}")


def _merge_version(m: _Merged, name: str, year: int, vid: str, version: dict, problems: list[str]) -> None:
    here = ("versies", vid)
    q = m.question(vid)
    if q is None:
        problems.append(f"{m.at(name, *here)}: een versie voor een onbekende vraag '{vid}'.")
        return
    for i, item in enumerate(version.get("nieuwe_items") or []):
        _insert_entry(q, "items", "item_code", item, (name, (*here, "nieuwe_items", i)), m, problems)
    for i, option in enumerate(version.get("nieuwe_opties") or []):
        if _insert_entry(q, "opties", "optie_code", option, (name, (*here, "nieuwe_opties", i)), m, problems):
            m.option_from[(vid, option["optie_code"])] = year
    known = {o["optie_code"] for o in q.get("opties") or []}
    for i, code in enumerate(version.get("vervallen_opties") or []):
        if code not in known:
            problems.append(f"{m.at(name, *here, 'vervallen_opties', i)}: onbekende optie '{code}'.")
        m.dropped.setdefault((vid, code), set()).add(year)
    for code in version.get("optielabels") or {}:
        if code not in known:
            problems.append(f"{m.at(name, *here, 'optielabels', code)}: onbekende optie '{code}'.")
    known_items = {i["item_code"] for i in q.get("items") or []}
    for item_code in (version.get("kolommen") or {}):
        if item_code not in known_items:
            problems.append(f"{m.at(name, *here, 'kolommen', item_code)}: onbekend item '{item_code}'.")
    if ("kolom" in version) == ("kolommen" in version):
        problems.append(f"{m.at(name, *here)}: geef óf kolom (een vraag zonder items) óf kolommen (per item).")
    if version["bron"] not in m.sources:
        problems.append(f"{m.at(name, *here, 'bron')}: onbekende bron '{version['bron']}'; bekend zijn "
                        f"{', '.join(m.sources)}.")
    extra = ("nieuwe_opties", "vervallen_opties", "nieuwe_items")
    m.versions[vid].append({"jaar": year, **{k: v for k, v in version.items() if k not in extra}})


def _insert_entry(q: dict, key: str, code_key: str, entry: dict, origin: tuple[str, tuple], m: _Merged,
                  problems: list[str]) -> bool:
    """Insert a new item or option into the question after its `na` (else at the end); False on a problem."""
    entries = q.setdefault(key, [])
    if any(e[code_key] == entry[code_key] for e in entries):
        problems.append(f"{m.at(origin[0], *origin[1], code_key)}: '{entry[code_key]}' bestaat al.")
        return False
    position = len(entries)
    if entry.get("na") is not None:
        index = next((n for n, e in enumerate(entries) if e[code_key] == entry["na"]), None)
        if index is None:
            problems.append(f"{m.at(origin[0], *origin[1], 'na')}: '{entry['na']}' komt in deze vraag niet voor.")
            return False
        position = index + 1
    entries.insert(position, {k: v for k, v in entry.items() if k != "na"})
    return True


def _todos(value, path: list):
    """(key path, text) of every string value that starts with TODO."""
    if isinstance(value, str):
        if value.startswith("TODO"):
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _todos(v, [*path, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _todos(v, [*path, i])

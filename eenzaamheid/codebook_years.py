"""The codebook as files: the questionnaire (schemas/codebook.yaml) plus one file per survey year
(schemas/jaren/<jaar>.yaml), merged into the one dict that `codebook.Codebook` reads.

A year file holds everything a survey year adds: its `jaargang`, its `levering` (format, headers of
the metadata columns), sources it cites first, questions and options first asked that year, and per
question that year's version. Adding a year is adding a file (`eenzaamheid nieuw-jaar` drafts it).
The merge rebuilds what the single-file codebook had: `jaargangen`, `leveringen`, `versies` per question
in year order, `jaren` under items (the years whose version has a column for the item) and under
options only when some year of the question did not offer them.

Every problem is a `CodebookError` with a Dutch message naming the file and the key path.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

from . import yamlfile

CODEBOOK_KEYS = ("toelichting", "bronnen", "secties", "typen", "vragen")
YEAR_KEYS = ("jaar", "jaargang", "levering", "bronnen", "nieuwe_vragen", "versies", "niet_gevraagd")
JAARGANG_KEYS = ("uitgenodigd", "notitie")
LEVERING_KEYS = ("formaat", "bestandspatroon", "metadata_kolommen", "datumformaat", "scheidingsteken", "codering",
                 "werkblad", "overige_kolommen")
QUESTION_KEYS = ("vraag_id", "sectie", "type", "onderwerp", "alleen_als", "opties", "optiegroepen", "items",
                 "kerncijfer", "noot")
VERSION_KEYS = ("formulering", "bron", "vindplaats", "formulering_status", "kolom", "kolommen",
                "vergelijkbaar_met_vorig_jaar", "reden", "optielabels", "nieuwe_opties", "vervallen_opties",
                "nieuwe_items")
LEVERING_REQUIRED = ("formaat", "metadata_kolommen", "datumformaat")
YEAR_FILE = re.compile(r"(\d{4})\.yaml")   # drafts (2025.concept.yaml) and notes (*.md) do not match


class CodebookError(Exception):
    """The codebook files cannot be merged; the message (Dutch) lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Het codeboek klopt niet:\n" + "\n".join(f"- {p}" for p in problems))


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
    return merge(base, years, _shown(codebook_path, root))


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
        where = getattr(exc, "problem_mark", None)
        line = f" (regel {where.line + 1})" if where else ""
        raise CodebookError([f"{_shown(path, root)}: geen geldige YAML{line}."]) from None
    if not isinstance(data, dict):
        raise CodebookError([f"{_shown(path, root)}: verwacht een YAML-mapping met sleutels bovenaan."])
    return data


def merge(base: dict, years: list[tuple[str, int, dict]], base_name: str = "schemas/codebook.yaml") -> dict:
    """Merge the questionnaire `base` with year files given as (shown name, year from the file name, content).

    Raises CodebookError listing every problem (all files), so a steward fixes them in one round.
    """
    problems: list[str] = []
    _unknown_keys(base, CODEBOOK_KEYS, base_name, [], problems)
    questions: list[dict] = []
    for i, q in enumerate(base.get("vragen") or []):
        _add_question(questions, q, None, f"{base_name}: vragen > {i + 1}", problems)
    sources = dict(base.get("bronnen") or {})
    merged = _Merged(questions, sources)
    for name, file_year, data in sorted(years, key=lambda y: y[1]):
        _merge_year(merged, name, file_year, data, problems)
    if problems:
        raise CodebookError(problems)
    out = {k: base[k] for k in ("toelichting",) if k in base}
    out["bronnen"] = sources
    out.update({k: base[k] for k in ("secties", "typen") if k in base})
    out["jaargangen"] = merged.jaargangen
    out["leveringen"] = merged.leveringen
    out["vragen"] = [merged.finish(q) for q in questions]
    return out


class _Merged:
    """What the year files add to the questionnaire, collected year by year."""

    def __init__(self, questions: list[dict], sources: dict):
        self.questions = questions
        self.sources = sources
        self.jaargangen: list[dict] = []
        self.leveringen: list[dict] = []
        self.versions: dict[str, list[dict]] = {q["vraag_id"]: [] for q in questions}
        self.option_from: dict[tuple[str, str], int] = {}     # (vraag_id, optie_code) -> first year offered
        self.dropped: dict[tuple[str, str], set[int]] = {}    # (vraag_id, optie_code) -> years not offered
        self.notes: dict[str, list[str]] = {}                 # vraag_id -> "<jaar>: <noot>" of years not asked

    def question(self, vraag_id: str) -> dict | None:
        return next((q for q in self.questions if q["vraag_id"] == vraag_id), None)

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


def _add_question(questions: list[dict], q: dict, after: str | None, where: str, problems: list[str]) -> None:
    if not isinstance(q, dict) or "vraag_id" not in q:
        problems.append(f"{where}: een vraag zonder vraag_id.")
        return
    vid = q["vraag_id"]
    _unknown_keys(q, QUESTION_KEYS, where, [], problems)
    for key, allowed in (("opties", ("optie_code", "label")), ("items", ("item_code", "label"))):
        for i, entry in enumerate(q.get(key) or []):  # their `jaren` follow from the year files
            _unknown_keys(entry, allowed, where, [key, str(i + 1)], problems)
    if any(x["vraag_id"] == vid for x in questions):
        problems.append(f"{where}: vraag '{vid}' is al eerder gedefinieerd.")
        return
    q = {k: copy.deepcopy(v) for k, v in q.items() if k in QUESTION_KEYS}
    position = len(questions)
    if after is not None:
        index = next((n for n, x in enumerate(questions) if x["vraag_id"] == after), None)
        if index is None:
            problems.append(f"{where} > na: onbekende vraag '{after}'.")
        else:
            position = index + 1
    questions.insert(position, q)


def _merge_year(m: _Merged, name: str, file_year: int, data: dict, problems: list[str]) -> None:
    problems += [f"{name}: {' > '.join(path)} is nog TODO: {text}" for path, text in _todos(data, [])]
    _unknown_keys(data, YEAR_KEYS, name, [], problems)
    for key, kind in (("jaargang", dict), ("levering", dict), ("bronnen", dict), ("nieuwe_vragen", list),
                      ("versies", dict), ("niet_gevraagd", dict)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            problems.append(f"{name}: {key} moet een {'mapping' if kind is dict else 'lijst'} zijn.")
            data = {**data, key: None}
    year = data.get("jaar")
    if year != file_year:
        problems.append(f"{name}: jaar is {year!r}, maar de bestandsnaam zegt {file_year}.")
    _unknown_keys(data.get("jaargang") or {}, JAARGANG_KEYS, name, ["jaargang"], problems)
    _unknown_keys(data.get("levering") or {}, LEVERING_KEYS, name, ["levering"], problems)
    problems += [f"{name}: levering > {key} ontbreekt." for key in LEVERING_REQUIRED
                 if key not in (data.get("levering") or {})]
    m.jaargangen.append({"jaar": file_year, **(data.get("jaargang") or {})})
    m.leveringen.append({"jaar": file_year, **(data.get("levering") or {})})
    for code, source in (data.get("bronnen") or {}).items():
        if code in m.sources:
            problems.append(f"{name}: bronnen > {code}: bron '{code}' is al eerder gedefinieerd.")
        m.sources[code] = source
    for i, q in enumerate(data.get("nieuwe_vragen") or []):
        if isinstance(q, dict) and "vraag_id" in q:
            m.versions.setdefault(q["vraag_id"], [])
        after = q.get("na") if isinstance(q, dict) else None
        q = {k: v for k, v in q.items() if k != "na"} if isinstance(q, dict) else q
        _add_question(m.questions, q, after, f"{name}: nieuwe_vragen > {i + 1}", problems)
    for vid, version in (data.get("versies") or {}).items():
        _merge_version(m, name, file_year, vid, version or {}, problems)
    for vid, note in (data.get("niet_gevraagd") or {}).items():
        if m.question(vid) is None:
            problems.append(f"{name}: niet_gevraagd > {vid}: onbekende vraag '{vid}'.")
        elif vid in (data.get("versies") or {}):
            problems.append(f"{name}: niet_gevraagd > {vid}: de vraag heeft ook een versie in dit jaar.")
        else:
            m.notes.setdefault(vid, []).append(f"{file_year}: {note}")


def _merge_version(m: _Merged, name: str, year: int, vid: str, version: dict, problems: list[str]) -> None:
    where = f"{name}: versies > {vid}"
    q = m.question(vid)
    if q is None:
        problems.append(f"{where}: een versie voor een onbekende vraag '{vid}'.")
        return
    if not isinstance(version, dict):
        problems.append(f"{where}: moet een mapping zijn (formulering, bron, kolom, ...).")
        return
    _unknown_keys(version, VERSION_KEYS, name, ["versies", vid], problems)
    for i, item in enumerate(version.get("nieuwe_items") or []):
        _insert_entry(q, "items", "item_code", item, f"{where} > nieuwe_items > {i + 1}", problems)
    for i, option in enumerate(version.get("nieuwe_opties") or []):
        if _insert_entry(q, "opties", "optie_code", option, f"{where} > nieuwe_opties > {i + 1}", problems):
            m.option_from[(vid, option["optie_code"])] = year
    known = {o["optie_code"] for o in q.get("opties", [])}
    for code in version.get("vervallen_opties") or []:
        if code not in known:
            problems.append(f"{where} > vervallen_opties: onbekende optie '{code}'.")
        m.dropped.setdefault((vid, code), set()).add(year)
    known_items = {i["item_code"] for i in q.get("items", [])}
    for item_code in (version.get("kolommen") or {}):
        if item_code not in known_items:
            problems.append(f"{where} > kolommen > {item_code}: onbekend item '{item_code}'.")
    extra = ("nieuwe_opties", "vervallen_opties", "nieuwe_items")
    m.versions[vid].append({"jaar": year, **{k: v for k, v in version.items() if k not in extra}})


def _insert_entry(q: dict, key: str, code_key: str, entry: dict, where: str, problems: list[str]) -> bool:
    """Insert a new item or option into the question after its `na` (else at the end); False on a problem."""
    if not isinstance(entry, dict) or code_key not in entry:
        problems.append(f"{where}: {code_key} ontbreekt.")
        return False
    entries = q.setdefault(key, [])
    if any(e[code_key] == entry[code_key] for e in entries):
        problems.append(f"{where}: '{entry[code_key]}' bestaat al.")
        return False
    position = len(entries)
    if entry.get("na") is not None:
        index = next((n for n, e in enumerate(entries) if e[code_key] == entry["na"]), None)
        if index is None:
            problems.append(f"{where} > na: '{entry['na']}' komt in deze vraag niet voor.")
            return False
        position = index + 1
    entries.insert(position, {k: v for k, v in entry.items() if k != "na"})
    return True


def _unknown_keys(data: dict, allowed: tuple, name: str, path: list[str], problems: list[str]) -> None:
    if not isinstance(data, dict):
        problems.append(f"{name}: {' > '.join(path) or 'het bestand'} moet een mapping zijn.")
        return
    for key in data:
        if key not in allowed:
            problems.append(f"{name}: {' > '.join([*path, str(key)])}: onbekende sleutel; toegestaan zijn "
                            + ", ".join(allowed) + ".")


def _todos(value, path: list[str]):
    """(key path, text) of every string value that starts with TODO."""
    if isinstance(value, str):
        if value.startswith("TODO"):
            yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _todos(v, [*path, str(k)])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _todos(v, [*path, str(i + 1)])

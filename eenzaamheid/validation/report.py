"""Render a ValidationResult for the data steward: terminal, JSON, Markdown or self-contained HTML
(the last two from templates/rapporten/validatie.md and .html).

All formats show the same problems in the same order (bestand, rij, kolom, regel), one
line per problem, so a steward can move between the terminal and a saved report.
"""
from __future__ import annotations

import heapq
import json
from collections import Counter
from pathlib import Path

from .. import templating
from ..atomic import write_atomic
from ..problems import FOUT, RULES, WAARSCHUWING, Problem, printable
from .validate import ValidationResult

COLUMNS = ("bestand", "rij", "kolom", "waarde", "regel", "ernst", "melding")
REPORT_FORMATS = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
TERMINAL_LIMIT = 200  # beyond this many problems the terminal points to --report


def sorted_problems(result: ValidationResult) -> list[Problem]:
    return sorted(result.problems, key=Problem.sort_key)


def _shown(value):
    """A value as every format shows it: text (also in lists) with control characters escaped, so a
    delivered cell quoted in a message or a header cannot drive the steward's terminal or editor."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def _fields(item) -> dict:
    """A problem's or file summary's fields, as shown."""
    return {k: _shown(v) for k, v in item.as_dict().items()}


def summary(result: ValidationResult) -> dict:
    per_rule = Counter(p.regel for p in result.problems)
    skipped: Counter = Counter()
    for f in result.files:
        skipped.update(f.overgeslagen_antwoorden)
    return {
        "geldig": result.ok,
        "bestanden": len(result.files),
        "problemen": len(result.problems),
        "fouten": result.fouten,
        "waarschuwingen": result.waarschuwingen,
        "per_regel": {r: {"ernst": _rule_severity(r, result), "aantal": per_rule[r]} for r in sorted(per_rule)},
        "per_bestand": {_shown(f.bestand): {"fouten": f.fouten, "waarschuwingen": f.waarschuwingen}
                        for f in result.files},
        "overgeslagen_antwoorden": dict(sorted(skipped.items())),
        "telt_niet_mee": not_counted(result),
        "duur_s": result.duur_s,
    }


# Why a delivered row does not count, in the steward's words (key: fate.Fate.not_counted).
REASONS = {"vervangen_duplicaat": "vervangen door een latere inzending van dezelfde gemeente",
           "lege_rij": "lege rij"}


def reason_text(reason: str) -> str:
    if reason.startswith("quarantaine: "):
        return f"hele rij in quarantaine door fout {reason.removeprefix('quarantaine: ')}"
    return REASONS.get(reason, reason)


def not_counted(result: ValidationResult) -> dict:
    """Delivered rows that will not count, per reason with their files and rows, and the answers set
    aside on their own: what an exit code 0 must never hide."""
    per_reason: dict[str, dict] = {}
    for f in result.files:
        for reason, rows in f.telt_niet_mee.items():
            entry = per_reason.setdefault(reason, {"omschrijving": reason_text(reason), "aantal": 0, "rijen": {}})
            entry["aantal"] += len(rows)
            entry["rijen"][f.bestand] = rows
    return {"inzendingen": result.telt_niet_mee, "per_reden": dict(sorted(per_reason.items())),
            "antwoorden_in_quarantaine": sum(f.antwoorden_in_quarantaine for f in result.files)}


def _count(n: int) -> str:
    return f"{n} inzending" if n == 1 else f"{n} inzendingen"


def not_counted_line(result: ValidationResult) -> str:
    """'telt niet mee: N inzendingen' plus the answers set aside, for every summary line."""
    answers = sum(f.antwoorden_in_quarantaine for f in result.files)
    return (f"telt niet mee: {_count(result.telt_niet_mee)}"
            + (f"; {answers} losse antwoord(en) in quarantaine (de rest van die inzendingen telt)" if answers else ""))


def not_counted_lines(result: ValidationResult, max_rows: int = 20) -> list[str]:
    """One line per reason: 'vervangen_duplicaat (…): 1 — 2023/x.xlsx rij 95'."""
    lines = []
    for reason, entry in not_counted(result)["per_reden"].items():
        where = "; ".join(f"{bestand} rij {_rows(rows, max_rows)}" for bestand, rows in entry["rijen"].items())
        lines.append(f"{entry['omschrijving']} [{reason}]: {entry['aantal']} — {where}")
    return lines


def _rows(rows: list[int], limit: int) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" … en nog {len(rows) - limit}" if len(rows) > limit else "")


def _rule_severity(regel: str, result: ValidationResult) -> str:
    found = {p.ernst for p in result.problems if p.regel == regel}
    return FOUT if FOUT in found else (found.pop() if found else RULES.get(regel, WAARSCHUWING))


def to_dict(result: ValidationResult) -> dict:
    return {"bestanden": [_fields(f) for f in result.files],
            "problemen": [_fields(p) for p in sorted_problems(result)],
            "samenvatting": summary(result)}


def to_json(result: ValidationResult) -> str:
    return json.dumps(to_dict(result), ensure_ascii=False, indent=2) + "\n"


# --- Markdown ---------------------------------------------------------------------------

def _md(value) -> str:
    if value is None:
        return ""
    return (printable(str(value)).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " "))


def to_markdown(result: ValidationResult) -> str:
    return templating.render("validatie.md", **_context(result))


def _skipped_text(skipped: dict[str, int], top: int = 3) -> str:
    """Total skipped answers plus the questions skipped most, e.g. '12 (kartrekker 5, ...)'."""
    total = sum(skipped.values())
    most = sorted(((n, q) for q, n in skipped.items() if n), reverse=True)[:top]
    return f"{total}" + (f" ({', '.join(f'{q} {n}' for n, q in most)})" if most else "")


# --- HTML and the context both templates share ---------------------------------------------

TITLE = "Validatierapport Benchmark Eén tegen eenzaamheid"


def _context(result: ValidationResult) -> dict:
    """What templates/rapporten/validatie.md and .html show; the HTML one is autoescaped."""
    return {"title": TITLE, "s": summary(result), "not_counted": not_counted_line(result),
            "lost": not_counted_lines(result), "files": result.files, "columns": COLUMNS,
            "problems": [_fields(p) for p in sorted_problems(result)],
            "md": _md, "shown": _shown, "skipped": _skipped_text}


def to_html(result: ValidationResult) -> str:
    return templating.render("validatie.html", **_context(result))


# --- terminal ---------------------------------------------------------------------------

def print_text(result: ValidationResult, console=None, limit: int = TERMINAL_LIMIT) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
            console = Console(width=200)
    files = Table(title="Bestanden", title_justify="left")
    for c in ("bestand", "jaar", "rijen", "lege rijen", "fouten", "waarschuwingen", "overgeslagen antwoorden"):
        files.add_column(c, overflow="fold")
    for f in result.files:
        files.add_row(Text(_shown(f.bestand)), str(f.jaar), str(f.rijen_geleverd), str(f.lege_rijen), str(f.fouten),
                      str(f.waarschuwingen), Text(_skipped_text(f.overgeslagen_antwoorden)))
    console.print(files)
    shown = heapq.nsmallest(limit, result.problems, key=Problem.sort_key)  # = sorted(...)[:limit]
    if shown:
        table = Table(title="Problemen", title_justify="left", show_lines=False)
        for c in COLUMNS:
            table.add_column(c, overflow="fold", no_wrap=c in ("rij", "regel", "ernst"),
                             max_width={"kolom": 40, "waarde": 30, "bestand": 40}.get(c))
        for p in shown:
            style = "red" if p.ernst == FOUT else "yellow"
            table.add_row(*(Text("" if v is None else str(v), style=style if c == "ernst" else "")
                            for c, v in _fields(p).items()))
        console.print(table)
    if len(result.problems) > len(shown):
        console.print(f"… en nog {len(result.problems) - len(shown)} problemen; schrijf alles weg met "
                      "--rapport rapport.html.", markup=False)
    lost = not_counted_lines(result)
    if lost:
        console.print("Telt niet mee:", markup=False)
        for line in lost:
            console.print(Text(f"  {line}"))
    verdict = ("[green]Geen fouten[/green]" if result.ok else "[red]Fouten gevonden[/red]")
    console.print(f"{verdict}: {result.fouten} fouten, {result.waarschuwingen} waarschuwingen in "
                  f"{len(result.files)} bestand(en) ({result.duur_s:.2f} s); ", Text(f"{not_counted_line(result)}."),
                  sep="")


# --- files ------------------------------------------------------------------------------

def render(result: ValidationResult, fmt: str) -> str:
    return {"json": to_json, "markdown": to_markdown, "html": to_html}[fmt](result)


def write_report(result: ValidationResult, path: Path) -> None:
    """Write atomically, so an interrupted run never leaves half a report behind."""
    path = Path(path)
    write_atomic(path, render(result, REPORT_FORMATS[path.suffix.lower()]))

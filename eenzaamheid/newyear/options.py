"""The answers of a continued question against its options: reworded, dropped or unknown options.

A delivered value that differs from every option only in case or spaces is a delivery error for
`validate`, not a change of the questionnaire, and is left alone here. A reworded option is one
that is gone while one new value took its place; a dropped option is one that the previous year's
answers make expected at least `EXPECTED_MIN` times and that nobody chose.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..codebook import AnswerColumn, Codebook
from ..intake import ingest
from ..intake.manifest import ManifestError, UsageError, discover, read_manifest, replacements
from .columns import normal, similarity, slug

REWORD_MIN_RATIO = 0.5   # a reworded label still shares half its text; else only its place tells
EXPECTED_MIN = 5         # P(nobody chooses an option expected 5 times) = e^-5 < 1%


@dataclass
class OptionChanges:
    optielabels: dict[str, str] = field(default_factory=dict)
    vervallen: list[str] = field(default_factory=list)
    nieuwe: list[dict] = field(default_factory=list)
    findings: list[tuple[str, str, bool]] = field(default_factory=list)  # (soort, tekst, todo)

    @property
    def breaks_comparability(self) -> bool:
        return bool(self.optielabels or self.vervallen or self.nieuwe)


def previous_answers(book: Codebook, year: int, raw: Path) -> dict[str, Counter] | None:
    """Per answer column, the counts of each value in the year's active delivery in `raw`, or None
    when there is no single active delivery to learn from."""
    folder = raw / str(year)
    try:
        files = discover([folder]) if folder.is_dir() else []
        replaced = replacements(read_manifest(raw / "MANIFEST.csv")) if (raw / "MANIFEST.csv").is_file() else {}
    except (ManifestError, UsageError, OSError):  # no history to learn from: a note in the report, not a failure
        return None
    active = [f for f in files if f"{year}/{f.name}" not in replaced]
    if len(active) != 1:
        return None
    table = ingest.read_delivery(active[0], year)
    if not table.readable:
        return None
    return {c.header: Counter(table.frame[c.header].dropna().tolist())
            for c in book.answer_columns(year) if c.header in table.frame.columns}


def compare_options(columns: list[tuple[str, AnswerColumn]], delivered_values: dict[str, Counter],
                    before: dict[str, Counter] | None, year: int, previous_year: int) -> OptionChanges:
    """`columns`: (delivered header, previous column) of one question, all on the same scale."""
    out = OptionChanges()
    scale = columns[0][1]
    if not scale.labels or scale.type == "meervoudig":
        return out
    now, then = Counter(), Counter()
    for header, old in columns:
        now.update(delivered_values[header])
        if before is not None:
            then.update(before.get(old.header, Counter()))
    labels = {normal(label): label for label in scale.labels}
    counts = Counter()
    unknown = Counter()
    for value, n in now.items():
        if normal(value) in labels:
            counts[labels[normal(value)]] += n
        else:
            unknown[value] += n
    missing = [label for label in scale.labels if not counts[label]]
    _reworded(out, scale, unknown, missing, counts, year, previous_year)
    paired = {scale.labels[scale.codes.index(code)] for code in out.optielabels}
    answered = sum(now.values())
    total_then = sum(then.values())
    for label in missing:
        if label in paired:
            continue
        code = scale.code_for(label)
        expected = answered * then[label] / total_then if total_then else 0
        if expected >= EXPECTED_MIN:
            out.vervallen.append(code)
            out.findings.append(("optie_vervallen", f"Optie '{label}' ({code}) komt in {year} niet voor, terwijl "
                                 f"{expected:.0f} keer te verwachten was ({then[label]} van {total_then} antwoorden "
                                 f"in {previous_year}): waarschijnlijk niet meer aangeboden. Voorstel: "
                                 f"vervallen_opties: [{code}].", False))
        elif before is not None:
            out.findings.append(("optie_niet_gekozen", f"Optie '{label}' ({code}) is in {year} door niemand gekozen; "
                                 f"met {answered} antwoorden zegt dat niet dat zij vervallen is (te verwachten "
                                 f"{expected:.1f} keer). Niets gewijzigd.", False))
    for value, n in unknown.items():
        if value in out.optielabels.values():
            continue
        if n >= 2:
            code = slug(value, 3)
            out.nieuwe.append({"optie_code": f"TODO: nieuwe optie '{value}' ({n} keer): geef een code (bijv. "
                               f"{code}), of verwijder dit item als het een fout in de levering is",
                               "label": value})
            out.findings.append(("onbekende_waarde", f"Waarde '{value}' ({n} keer) is geen optie van {previous_year} "
                                 "en lijkt niet op een vervallen optie: een nieuwe optie of een fout?", True))
        else:
            out.findings.append(("losse_waarde", f"Waarde '{value}' (1 keer) is geen optie; `valideer` meldt haar als "
                                 "fout in de levering. Niets gewijzigd.", False))
    return out


def _reworded(out: OptionChanges, scale: AnswerColumn, unknown: Counter, missing: list[str], counts: Counter,
              year: int, previous_year: int) -> None:
    """Pair each new value with a vanished option: by text, or by being the only candidates."""
    frequent = [v for v, n in unknown.most_common() if n >= 2 or len(unknown) == 1]
    free = list(missing)
    for value in frequent:
        best = max(free, key=lambda label: similarity(label, value), default=None)
        if best is None:
            break
        ratio = similarity(best, value)
        only = len(frequent) == 1 and len(free) == 1
        if ratio < REWORD_MIN_RATIO and not only:
            continue
        free.remove(best)
        code = scale.code_for(best)
        place = scale.labels.index(best) + 1
        out.optielabels[code] = value
        out.findings.append(("anders_geformuleerd", f"Optie {place} van {len(scale.labels)} ({code}) heette in "
                             f"{previous_year} '{best}' en komt in {year} niet meer voor; op haar plaats staat "
                             f"'{value}' ({unknown[value]} keer; tekst {ratio:.0%} gelijk"
                             + ("; de enige nieuwe waarde en de enige verdwenen optie" if only else "")
                             + "). Voorstel: dezelfde optie, anders geformuleerd (optielabels).", False))

"""Which delivered column is which: the new year's headers against the latest known year's.

Every header of the new delivery ends up in exactly one place: a metadata field, a column of the
survey system (`overige_kolommen`), a continued answer column (same header, or probably renamed),
a new row of a known question, or a new question. Every header of the previous year that is gone is
a dropped question or a dropped row. Nothing is decided on a header's text alone where the values
can speak: a rename needs answers that fit the old column, and the same place in the file or a
similar text.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from ..codebook import AnswerColumn, Codebook
from .read import Delivered

RENAME_MIN_RATIO = 0.8       # header text alone (as validate's rename check)
RENAME_MIN_WORDS = 0.75      # with the same place in the file: most words of the shorter header shared
REQUIRED_META = ("respons_id", "starttijd", "eindtijd", "gemeente")
ITEM_SEPARATOR = " - "       # "<question> - <row>", how the survey system heads a matrix row or a choice
# Columns survey systems (Qualtrics, SurveyMonkey, LimeSurvey) add on their own, described for the contract.
SURVEY_SYSTEM_COLUMNS = {
    "progress": "Voortgang in procenten (enquêtesysteem)",
    "voortgang": "Voortgang in procenten (enquêtesysteem)",
    "duration (in seconds)": "Invultijd in seconden (enquêtesysteem)",
    "duur": "Invultijd (enquêtesysteem)",
    "finished": "Of de vragenlijst is afgerond (enquêtesysteem)",
    "afgerond": "Of de vragenlijst is afgerond (enquêtesysteem)",
    "recordeddate": "Moment van opslaan (enquêtesysteem)",
    "status": "Status van de respons (enquêtesysteem)",
    "userlanguage": "Taal van de vragenlijst (enquêtesysteem)",
    "taal": "Taal van de vragenlijst (enquêtesysteem)",
    "distributionchannel": "Verspreidingskanaal (enquêtesysteem)",
    "ipaddress": "IP-adres van de respondent (persoonsgegeven; wordt niet gepubliceerd)",
}


def normal(text: str) -> str:
    """Case and runs of whitespace do not tell two texts apart."""
    return " ".join(str(text).split()).casefold()


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normal(a), normal(b), autojunk=False).ratio()


def shared_words(a: str, b: str) -> float:
    """How much of the shorter header's words (of 4+ letters) the other contains: 'meldpunt_toegankelijk'
    is all in 'Is er een meldpunt …, voor iedereen toegankelijk?', while two questions on one theme
    share only their theme's words."""
    def words(text: str) -> set[str]:
        return {w for w in re.split(r"[^a-z0-9]+", normal(text)) if len(w) >= 4}
    wa, wb = words(a), words(b)
    shorter, longer = sorted((wa, wb), key=len)
    return len(shorter & longer) / len(shorter) if shorter else 0.0


# Words that open or frame a question rather than say what it is about (for a proposed vraag_id).
FRAME_WORDS = {"gemeente", "gemeenten", "buiten", "tegen", "heeft", "hebben", "maakt", "voert", "wordt", "worden",
               "welke", "zijn", "deze", "binnen", "onder", "andere", "volgende", "iedereen"}


def question_id(header: str) -> str:
    """A proposed vraag_id: up to three telling words of the header ('…een eigen campagne over eenzaamheid?'
    -> 'eenzaamheid_eigen_campagne'); the steward may choose another before applying."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", plain) if len(w) >= 5 and w not in FRAME_WORDS]
    return "_".join(list(dict.fromkeys(words))[:3]) or slug(header)


def slug(text: str, words: int = 4) -> str:
    """A code from a text: 'Voert uw gemeente een eigen campagne?' -> 'voert_uw_gemeente_een'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", plain) if p]
    return "_".join(parts[:words]) or "kolom"


def split_item(header: str) -> tuple[str, str] | None:
    """('<question>', '<row>') for a header of a matrix row or choice, else None."""
    if ITEM_SEPARATOR not in header:
        return None
    stem, _, label = header.rpartition(ITEM_SEPARATOR)
    return (stem, label) if stem.strip() and label.strip() else None


@dataclass
class Rename:
    old: AnswerColumn
    new: str
    ratio: float
    words: float          # shared_words of the two headers
    same_place: bool
    known: int            # distinct delivered values that are options of the old column
    unknown: int          # distinct delivered values that are not


@dataclass
class Columns:
    """Where every delivered header goes, and what is gone."""

    metadata: dict[str, str] = field(default_factory=dict)         # field -> header (or a TODO)
    metadata_renamed: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (old, new)
    metadata_dropped: dict[str, str] = field(default_factory=dict)  # optional field -> old header
    other: dict[str, str] = field(default_factory=dict)             # survey-system header -> description
    other_new: list[str] = field(default_factory=list)
    answers: dict[str, AnswerColumn] = field(default_factory=dict)  # delivered header -> previous column
    renames: list[Rename] = field(default_factory=list)
    gone: list[AnswerColumn] = field(default_factory=list)
    new_items: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # vraag_id -> [(header, label)]
    new_questions: list[list[str]] = field(default_factory=list)     # groups of headers, one group per question


def match_columns(delivered: Delivered, book: Codebook, previous_year: int, previous_order: list[str]) -> Columns:
    """`previous_order`: the previous year's contract field names, in order (for "the same place")."""
    headers = delivered.headers
    previous = book.deliveries[previous_year]
    by_header = {c.header: c for c in book.answer_columns(previous_year)}
    out = Columns()
    _match_metadata(out, headers, previous, set(by_header))
    taken = set(out.metadata.values()) | set(out.other)
    out.answers = {h: by_header[h] for h in headers if h in by_header and h not in taken}
    gone = [c for c in by_header.values() if c.header not in headers]
    new = [h for h in headers if h not in taken and h not in by_header]
    for r in _pair_renames(delivered, gone, new, previous_order):
        out.renames.append(r)
        out.answers[r.new] = r.old
    renamed_old = {r.old.header for r in out.renames}
    out.gone = [c for c in gone if c.header not in renamed_old]
    _place_new(out, delivered, [h for h in new if h not in out.answers])
    return out


def _match_metadata(out: Columns, headers: list[str], previous, answer_headers: set[str]) -> None:
    unmatched = [h for h in headers if h not in set(previous.metadata_kolommen.values()) and h not in answer_headers]
    for veld, header in previous.metadata_kolommen.items():
        if header in headers:
            out.metadata[veld] = header
            continue
        best = max(unmatched, key=lambda h: similarity(h, header), default=None)
        if best is not None and similarity(best, header) >= RENAME_MIN_RATIO:
            out.metadata[veld] = best
            out.metadata_renamed[veld] = (header, best)
            unmatched.remove(best)
        elif veld in REQUIRED_META:
            out.metadata[veld] = (f"TODO: kolom '{header}' ({veld}) ontbreekt; geef de kolomkop die in deze "
                                  "levering dit veld bevat")
        else:
            out.metadata_dropped[veld] = header
    for header, description in (getattr(previous, "overige_kolommen", None) or {}).items():
        if header in headers:
            out.other[header] = description


def _fits(old: AnswerColumn, values) -> tuple[int, int]:
    """(known, unknown): distinct delivered values that are, and are not, options of the old column."""
    if not old.labels:
        return (1, 0) if values else (0, 0)
    labels = {normal(label) for label in old.labels}
    known = sum(normal(v) in labels for v in values)
    return known, len(values) - known


def _pair_renames(delivered: Delivered, gone: list[AnswerColumn], new: list[str],
                  previous_order: list[str]) -> list[Rename]:
    """A gone column and a new one are one renamed column when the answers fit the old options (at most
    one value unknown: a reworded option may come along) and the headers read almost the same, or the
    new one sits where the old one sat (same neighbour) and shares most of its words. Answers alone
    prove little: every yes/no question fits every other."""
    position = {h: i for i, h in enumerate(delivered.headers)}
    old_position = {h: i for i, h in enumerate(previous_order)}

    def neighbours(order: list[str], i: int) -> set[tuple[str, str]]:
        return {(side, order[j]) for side, j in (("links", i - 1), ("rechts", i + 1)) if 0 <= j < len(order)}

    candidates = []
    for old in gone:
        if old.header not in old_position:
            continue
        before = neighbours(previous_order, old_position[old.header])
        for header in new:
            values = list(delivered.values(header))
            known, unknown = _fits(old, values)
            if not known or unknown > 1 or (not old.labels and _looks_closed(values)):
                continue
            ratio = similarity(old.header, header)
            words = shared_words(old.header, header)
            same_place = bool(before & neighbours(delivered.headers, position[header]))
            if ratio >= RENAME_MIN_RATIO or (same_place and words >= RENAME_MIN_WORDS):
                candidates.append(Rename(old, header, ratio, words, same_place, known, unknown))
    chosen, used_old, used_new = [], set(), set()
    for r in sorted(candidates, key=lambda r: (not r.same_place, -r.ratio, r.unknown)):
        if r.old.header not in used_old and r.new not in used_new:
            chosen.append(r)
            used_old.add(r.old.header)
            used_new.add(r.new)
    return chosen


def _looks_closed(values) -> bool:
    """Answers from a short list (Ja/Nee, a scale) rather than free text."""
    return 0 < len(values) <= 2 and all(len(str(v)) <= 20 for v in values)


def _place_new(out: Columns, delivered: Delivered, new: list[str]) -> None:
    """New headers: before the first answer column a survey-system column; a row of a known question
    (its stem shared with that question's columns); else a new question, consecutive rows of one
    stem together."""
    headers = delivered.headers
    answer_positions = [headers.index(h) for h in out.answers]
    first_answer = min(answer_positions, default=len(headers))
    stems: dict[str, str] = {}
    for header, column in out.answers.items():
        if column.item_code and (parts := split_item(header)):
            stems.setdefault(normal(parts[0]), column.vraag_id)
    groups: list[list[str]] = []
    for header in new:
        parts = split_item(header)
        if headers.index(header) < first_answer:
            out.other[header] = SURVEY_SYSTEM_COLUMNS.get(
                normal(header), "TODO: wat staat in deze kolom van het enquêtesysteem? (een korte beschrijving)")
            out.other_new.append(header)
        elif parts and normal(parts[0]) in stems:
            out.new_items.setdefault(stems[normal(parts[0])], []).append((header, parts[1].strip()))
        elif (groups and parts and (last := split_item(groups[-1][-1])) and normal(last[0]) == normal(parts[0])
              and headers.index(groups[-1][-1]) == headers.index(header) - 1):
            groups[-1].append(header)
        else:
            groups.append([header])
    out.new_questions = groups

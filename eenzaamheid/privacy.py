"""Personal data and control characters in delivered text: how they are recognised, masked in
messages and redacted for publication.

One place for the patterns, so that what `validate` warns about is exactly what the build redacts.

Two levels of redaction:
- `redact` (free-text answers): person names, street addresses and postcodes found by deduce
  (see `deidentify`, cached per text), plus our patterns: e-mail, phone, URL with a path,
  BSN (11-proef), IBAN (mod-97 checksum; deduce keeps an IBAN's bank code) and postcode;
- `redact_value` (every other copy of delivered text: a municipality cell, a closed answer
  outside the options, the reasons and the cleaning log that quote them, the quality report):
  the patterns only, no deduce, so a build never loads it for them.

`redact_published` is the one pass over every published frame right before checks, load and
export; the columns it covers are those whose clean Table Schema field says `redactie`
(`cleanschema.redacted_columns`). Control characters (C0 except tab,
newline and carriage return, DEL, C1) are stripped from every text cell of every frame in that
pass, and `validate` reports them (`control_character_problems`).
"""
from __future__ import annotations

import re

import pandas as pd

from .problems import Problem, problem
from . import compact, deidentify

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 0 + 9 digits, or +31/0031 + 9 digits, optionally split by spaces, dots or hyphens
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)31[\s.-]?(?:\(0\)[\s.-]?)?|0)\d(?:[\s.-]?\d){8}(?!\d)")
# A URL with a path can point at a person (a profile, a home folder); a bare domain cannot.
# Quotes and angle brackets end a URL: text around it often quotes it ("zie 'https://…/jan'").
URL_WITH_PATH = re.compile(r"(?:https?://|www\.)[^\s/\"'<>]+/[^\s\"'<>]*[^\s\"'<>.,;:!?)]")
PERSONAL = re.compile(f"{EMAIL.pattern}|{PHONE.pattern}")
# 9 digits (8 for old numbers), optionally grouped 3-3-3 or 4-2-3; only redacted if the 11-proef holds
BSN = re.compile(r"(?<![\w.,-])(?:\d{8,9}|\d{3}[ .-]\d{3}[ .-]\d{3}|\d{4}\.\d{2}\.\d{3})(?![\w-]|[.,]\d)")
# country, check digits, 11 to 30 letters/digits, written solid or in groups of four; checked by mod 97
IBAN = re.compile(r"(?<![\w])(?:[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}|[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,3})?)"
                  r"(?![\w])")
POSTCODE = re.compile(r"(?<![\w])[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?![\w])")
# C0 controls except tab, newline and carriage return; DEL; C1 controls (CSI etc. drive terminals)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

PLACEHOLDER = {
    "email": "[e-mailadres verwijderd]", "url": "[link verwijderd]", "telefoon": "[telefoonnummer verwijderd]",
    "naam": "[naam verwijderd]", "adres": "[adres verwijderd]", "postcode": "[postcode verwijderd]",
    "bsn": "[BSN verwijderd]", "iban": "[IBAN verwijderd]",
}

# problems whose shown value is (part of) a free-text answer: the report shows no value for them
FREE_TEXT_RULES = {"persoonsgegevens_in_vrije_tekst"}
HIDDEN_VALUE = "[vrije tekst, niet getoond]"


# --- recognising ---------------------------------------------------------------------------

def elfproef(digits: str) -> bool:
    """The BSN 11-proef: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not 0)."""
    d = [int(c) for c in digits.rjust(9, "0")]
    total = sum(w * x for w, x in zip(range(9, 1, -1), d)) - d[8]
    return total != 0 and total % 11 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check: the rearranged IBAN, letters as 10..35, modulo 97 is 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _pattern_spans(text: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    found += [(m.start(), m.end(), "url") for m in URL_WITH_PATH.finditer(text)]
    found += [(m.start(), m.end(), "iban") for m in IBAN.finditer(text) if iban_valid(m.group(0))]
    found += [(m.start(), m.end(), "telefoon") for m in PHONE.finditer(text)]
    found += [(m.start(), m.end(), "bsn") for m in BSN.finditer(text) if elfproef(re.sub(r"\D", "", m.group(0)))]
    found += [(m.start(), m.end(), "postcode") for m in POSTCODE.finditer(text)]
    return found


def _apply(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, int]:
    """Replace the spans by their placeholders; overlapping spans merge (the first, longest one names it)."""
    merged: list[list] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    out, pos = [], 0
    for start, end, kind in merged:
        if kind == "adres" and POSTCODE.fullmatch(text[start:end].strip()):
            kind = "postcode"
        out += [text[pos:start], PLACEHOLDER[kind]]
        pos = end
    out.append(text[pos:])
    return "".join(out), len(merged)


# --- masking and redacting -----------------------------------------------------------------

def strip_control(text: str) -> str:
    return CONTROL.sub("", text)


def mask(text: str) -> str:
    """Hide e-mail addresses and phone numbers, keeping enough to recognise what was found."""
    def email(m):
        local, domain = m.group(0).split("@", 1)
        return f"{local[0]}***@***.{domain.rsplit('.', 1)[-1]}"
    text = EMAIL.sub(email, text)
    return PHONE.sub(lambda m: m.group(0)[:2] + re.sub(r"\d", "*", m.group(0)[2:]), text)


def redact_value(text: str) -> str:
    """A delivered value or a message quoting one, as published: control characters stripped,
    e-mail, URL with a path, IBAN, phone, BSN and postcode replaced (no deduce)."""
    text = strip_control(text)
    return _apply(text, _pattern_spans(text))[0]


def redact(text: str) -> tuple[str, int]:
    """A free-text answer as published, and how many details were replaced: control characters
    stripped, everything `redact_value` replaces plus person names and addresses (deduce)."""
    text = strip_control(text)
    known, result = deidentify.cached(text)
    if not known:
        result = _deidentify(text)
        deidentify.remember(text, result)
        if result is not None:  # the published text is redacted again by the final pass: cache it too
            deidentify.remember(result[0], _deidentify(result[0]))
    return (text, 0) if result is None else result


def _deidentify(text: str) -> tuple[str, int] | None:
    clean, n = _apply(text, _pattern_spans(text) + deidentify.spans(text))
    return None if clean == text else (clean, n)


# --- the pass over the published frames ----------------------------------------------------

def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _replace_distinct(s: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct string of s; other cells unchanged."""
    changed = {v: fn(v) for v in pd.unique(s.dropna()) if isinstance(v, str)}
    changed = {v: new for v, new in changed.items() if new != v}
    return s if not changed else compact.map_values(s, changed)


def redact_published(frames: dict[str, pd.DataFrame], columns: list[tuple[str, str, str]]) -> dict[str, pd.DataFrame]:
    """Every published copy of delivered text redacted (the columns whose schema field says `redactie`:
    'vrije_tekst' deduce + patterns, 'waarde' patterns, 'log' the cleaning log: 'vrije_tekst' on the rows
    of rule 'redactie', which quote free text, 'waarde' elsewhere), control characters stripped from
    every text cell. `columns`: (table, column, level) of those fields, from the clean schemas
    (`tables.cleanschema.redacted_columns`, passed in: this shared module imports no stage). A table or
    column not built is skipped. Changes `frames` in place and returns it."""

    for name, frame in frames.items():
        for column in frame.columns:
            if _is_text(frame[column]):
                frame[column] = _replace_distinct(frame[column], strip_control)
    for table, column, level in columns:
        frame = frames.get(table)
        if frame is None or column not in frame.columns:
            continue
        free = pd.Series(level == "vrije_tekst", index=frame.index)
        if level == "log" and "regel" in frame.columns:
            free = frame["regel"] == "redactie"
        out = frame[column].copy()
        for is_free, rows in ((True, free), (False, ~free)):
            if not rows.any():
                continue
            values = out[rows]
            replaced = _replace_distinct(values, (lambda v: redact(v)[0]) if is_free else redact_value)
            if rows.all():  # the whole column at once: no masked write (a copy of every cell; a categorical keeps its type)
                out = replaced
            else:
                out.loc[rows] = replaced
            if is_free and table == "toelichtingen" and "aantal_redacties" in frame.columns:
                found = values.map(lambda v: redact(v)[1] if isinstance(v, str) else 0)
                frame.loc[rows, "aantal_redacties"] = frame.loc[rows, "aantal_redacties"] + found
        frame[column] = out
    deidentify.save_cache()
    return frames


# --- reporting -----------------------------------------------------------------------------

def report_problem(p: Problem) -> dict:
    """A validation problem as the published report shows it (no free-text answer as value)."""
    shown = p.as_dict()
    if p.regel in FREE_TEXT_RULES and shown["waarde"] is not None:
        shown["waarde"] = HIDDEN_VALUE
    return shown


def control_character_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """One warning per delivered cell holding control characters (shown escaped, not the text)."""
    problems = []
    for i, header in enumerate(frame.columns):
        column = frame.iloc[:, i]
        bad = {v for v in pd.unique(column.dropna()) if isinstance(v, str) and CONTROL.search(v)}
        if not bad:
            continue
        for rij, value in column[column.isin(bad)].items():
            found = sorted(set(CONTROL.findall(value)))
            shown = ", ".join(repr(c)[1:-1] for c in found)
            problems.append(problem(
                name, "stuurteken_in_tekst", f"De cel bevat {len(CONTROL.findall(value))} onzichtbaar stuurteken(s) "
                f"({shown}); die worden bij het opschonen verwijderd. U hoeft niets te doen; komen ze vaak voor, "
                "vraag de leverancier dan om een export zonder stuurtekens.", rij=rij, kolom=str(header), waarde=shown))
    return problems

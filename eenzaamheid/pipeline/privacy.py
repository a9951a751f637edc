"""Personal data in free text: how it is recognised, masked in reports and redacted for publication.

One place for the patterns, so that what `validate` warns about is exactly what the build redacts.
"""
from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 0 + 9 digits, or +31/0031 + 9 digits, optionally split by spaces, dots or hyphens
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)31[\s.-]?(?:\(0\)[\s.-]?)?|0)\d(?:[\s.-]?\d){8}(?!\d)")
# A URL with a path can point at a person (a profile, a home folder); a bare domain cannot.
URL_WITH_PATH = re.compile(r"(?:https?://|www\.)[^\s/]+/[^\s]*[^\s.,;:!?)]")
PERSONAL = re.compile(f"{EMAIL.pattern}|{PHONE.pattern}")

REDACTIONS = (
    (EMAIL, "[e-mailadres verwijderd]"),
    (URL_WITH_PATH, "[link verwijderd]"),
    (PHONE, "[telefoonnummer verwijderd]"),
)


def mask(text: str) -> str:
    """Hide e-mail addresses and phone numbers, keeping enough to recognise what was found."""
    def email(m):
        local, domain = m.group(0).split("@", 1)
        return f"{local[0]}***@***.{domain.rsplit('.', 1)[-1]}"
    text = EMAIL.sub(email, text)
    return PHONE.sub(lambda m: m.group(0)[:2] + re.sub(r"\d", "*", m.group(0)[2:]), text)


def redact(text: str) -> tuple[str, int]:
    """The text with e-mail addresses, URLs with a path and phone numbers replaced; and how many."""
    total = 0
    for pattern, replacement in REDACTIONS:
        text, n = pattern.subn(replacement, text)
        total += n
    return text, total

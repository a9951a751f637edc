"""The one way a report a person reads is rendered: a Jinja template in templates/rapporten/.

The steward's validation report (report.py), the quality report (quality/report.py), the refusal
(refusal.py), WIJZIGINGEN.md (pipeline/diff_report.py) and the zip's README (catalog/zipdocs.py)
all render here. HTML templates are autoescaped (a delivered cell can hold markup) and include the
one stylesheet, rapport.css, inline: a report is a single file a steward can mail or open offline.
Markdown and plain-text templates are not escaped; their callers escape table cells for Markdown.

The folder sits beside the site's templates but is not a page: Datasette serves only templates/pages/.
"""
from __future__ import annotations

from functools import lru_cache

import jinja2

from .paths import CODE_ROOT

REPORT_TEMPLATES = CODE_ROOT / "templates" / "rapporten"
STYLESHEET = "rapport.css"


def _empty_for_none(value):
    """A missing value (None) prints as nothing, as in every report's tables."""
    return "" if value is None else value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPORT_TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the render instead of printing nothing
        finalize=_empty_for_none,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render(name: str, **context) -> str:
    """The template `name` (e.g. 'wijzigingen.md') filled with `context`."""
    return environment().get_template(name).render(**context)

"""SQLite's JSON support, asked once per process instead of on every table page.

Datasette's facets ask whether SQLite has JSON1 (`detect_json1()`, datasette/facets.py) on every
table page, each time by opening a new in-memory database: the answer cannot change while the
process runs, so it is asked once. Listed in eenzaamheid/site/datasette/overrides.py (INTERNALS
"facets.py"); tests/test_site_absolute_url.py checks the answers.

(Datasette's text_factory, a lambda SQLite calls for every text value, stays: measured, neither
functools.partial(str, encoding=..., errors=...) nor operator.methodcaller("decode", ...) is
faster than the lambda on Python 3.11.)
"""
from __future__ import annotations


def remember_json1() -> None:
    """At import of the plugin: facets.detect_json1() answered once; with a connection, asked anew."""
    from datasette import facets

    if getattr(facets.detect_json1, "remembered", False):
        return
    original = facets.detect_json1
    answer = original()

    def detect_json1(conn=None):
        return answer if conn is None else original(conn)
    detect_json1.remembered = True
    facets.detect_json1 = detect_json1

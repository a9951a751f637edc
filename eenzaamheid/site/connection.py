"""Datasette 0.65's SQLite connections, with their text decoded without a Python call per value,
and SQLite's JSON support asked once.

Datasette sets `conn.text_factory = lambda x: str(x, "utf-8", "replace")` on every connection
(datasette/app.py, _prepare_connection): SQLite then calls that lambda, a Python frame, for each
text value a query returns (13 columns of 100 rows on a table page, every facet value), about a
twentieth of a table page's CPU. The same call as a functools.partial of `str` runs in C and
decodes exactly alike, invalid UTF-8 replaced as before. Listed in eenzaamheid/site/overrides.py
(INTERNALS "app.py"); tests/test_site_absolute_url.py checks both decode alike.

Datasette's facets ask whether SQLite has JSON1 (`detect_json1()`, datasette/facets.py) on every
table page, each time by opening a new in-memory database: the answer cannot change while the
process runs, so it is asked once (INTERNALS "facets.py").
"""
from __future__ import annotations

import functools

decode_text = functools.partial(str, encoding="utf-8", errors="replace")


def prepare(conn) -> None:
    """After Datasette's own preparation (the prepare_connection hook runs after it)."""
    conn.text_factory = decode_text


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

"""The change record on the site: section "Wat is er veranderd sinds de vorige publicatie"
(templates/_wijzigingen.html, included by the page about the data) and its own page /wijzigingen.

The rows come from the served database's `wijzigingen` table (written by the build, see
eenzaamheid/changes/changes.py); a database without that table (built before it existed) gives
no rows, and the section says so.
"""
from __future__ import annotations

from datasette.utils.asgi import Response
from datasette.version import __version__ as datasette_version

DATABASE = "benchmark"
TABLE = "wijzigingen"
SHOWN_PER_KIND = 50  # longer lists are cut on the page; the table holds them all


def _database(datasette):
    return datasette.databases.get(DATABASE) or datasette.get_database()


async def wijzigingen_context(datasette) -> dict:
    """{"wijzigingen": [row as dict, ...]} in the table's order; an empty list without the table."""
    db = _database(datasette)
    if TABLE not in await db.table_names():
        return {"wijzigingen": [], "wijzigingen_per_soort": {}}
    result = await db.execute(f"select * from [{TABLE}] order by wijziging_id")
    rows = [dict(r) for r in result.rows]
    per_kind: dict[str, list] = {}
    for r in rows:
        per_kind.setdefault(r["soort"], []).append(r)
    return {"wijzigingen": rows, "wijzigingen_per_soort": per_kind, "wijzigingen_max": SHOWN_PER_KIND}


async def page(request, datasette):
    """/wijzigingen: the section on a page of its own."""
    context = {"datasette_version": datasette_version, "metadata": datasette.metadata(),
               **await wijzigingen_context(datasette)}
    html = await datasette.render_template("wijzigingen.html", context, request=request, view_name="wijzigingen")
    return Response.html(html, headers={"Cache-Control": f"max-age={datasette.setting('default_cache_ttl')}"})

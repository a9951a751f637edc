"""What the top of a municipality page and its factsheet say about the municipality itself
(its CBS code's life: merged into a successor, created by a merger) and where the figures come
from (the build's provenance, for the factsheet's footer)."""
import datetime
import os

from eenzaamheid.site.common import province_slug
from eenzaamheid.site.store import Store, database, rows

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def datum(iso: str | None) -> str:
    """'2022-01-01' -> '1 januari 2022'."""
    if not iso:
        return ""
    try:
        d = datetime.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def code_life(store: Store, g: dict, gangbare_naam: str | None = None) -> dict:
    """Whether the CBS code began or ended within the benchmark's years. 'geldig_van' equal to the
    start of the first survey year is only where the dataset's municipality list begins, not a
    founding date, so it is not shown. Also the address of its province's page and the common name
    beside the official one (zoeken.common_name: 'Den Haag' for 's-Gravenhage)."""
    first_day = f"{store.jaren[0]}-01-01" if store.jaren else "0000"
    successor = store.gemeenten.get(g["opvolger_code"]) if g["opvolger_code"] != g["gemeente_code"] else None
    return {
        "in_gebruik_vanaf": datum(g["geldig_van"]) if g["geldig_van"] and g["geldig_van"] > first_day else None,
        "opgeheven_per": datum(g["geldig_tot"]) if g["geldig_tot"] else None,
        "opvolger": successor,
        "provincie_slug": province_slug(g["provincie"]),
        "gangbare_naam": gangbare_naam,
    }


async def build_info(datasette, store: Store) -> dict:
    """The build's version (package version and commit, table `build`) and its date: the build
    stores no clock time (two builds of the same input are identical), so the date is the served
    database file's modification date."""
    cached = store.cache.get("build_info")
    if cached is not None:
        return cached
    db = database(datasette)
    info: dict = {"versie": None, "commit": None, "datum": None}
    try:
        found = await db.execute_fn(lambda conn: rows(conn, "select sleutel, waarde from build"))
        values = {r["sleutel"]: r["waarde"] for r in found}
        info["versie"] = values.get("pakketversie")
        commit = values.get("git_commit") or ""
        info["commit"] = commit[:7] if commit and commit != "onbekend" else None
        info["datum"] = values.get("gebouwd_op") or values.get("builddatum")
    except Exception:  # noqa: BLE001 - no provenance table: the footer says less
        pass
    if not info["datum"] and db.path and os.path.exists(db.path):
        info["datum"] = datetime.date.fromtimestamp(os.path.getmtime(db.path)).isoformat()
    info["datum_tekst"] = datum(info["datum"])
    store.cache["build_info"] = info
    return info


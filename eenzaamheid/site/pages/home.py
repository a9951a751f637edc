"""The home page: Datasette's index.html (our override) with the canned queries, the computed
overviews and the downloads found next to the served database."""
import re
from pathlib import Path

from eenzaamheid.site.pages import over
from eenzaamheid.site.common import EXPORT_FORMATS, STATIC_DOWNLOADS, ZIP_NAME
from eenzaamheid.site.datasette.nederlands import file_size
from eenzaamheid.site.pages.kerncijfers import home_headlines
from eenzaamheid.site.render import render
from eenzaamheid.site.store import Store, database, get_store


async def home(request, datasette):
    """Datasette's index.html with the database summary of Datasette's own index view, fetched
    once from /.json. That view asks SQLite for every table's columns and keys on each request
    (~20 ms); the database is immutable, so once is enough."""
    store = await get_store(datasette)
    databases = store.cache.get("index_databases")
    if databases is None:
        response = await datasette.client.get("/.json")
        databases = list(response.json().values()) if response.status_code == 200 else []
        store.cache["index_databases"] = databases
    return await render(datasette, request, "index.html", {"databases": databases, "private": False})


async def home_context(datasette, request, store: Store) -> dict:
    """The template variable `home` of index.html."""
    db = database(datasette)
    queries = await datasette.get_canned_queries(db.name, request.actor if request else None)
    views = sorted(await db.view_names() + materialized_views())
    files = store.cache.get("downloads") or store.cache.setdefault("downloads", downloads(datasette))
    return {
        "database": db.name,
        "queries": [{"name": name, "title": q.get("title") or name, "description": q.get("description"),
                     "url": datasette.urls.query(db.name, name)} for name, q in queries.items()],
        "downloads": files,
        "views": [v for v in views if v != "geaccepteerde_antwoorden"],
        "jsonld": over.cached_jsonld(store, db.path, datasette.absolute_url(request, "/"), files),
        "aantal_gemeenten": sum(1 for g in store.gemeenten.values() if g["geldig_tot"] is None),
        "kerncijfers": home_headlines(store, datasette.metadata("kerncijfers_home"), datasette.urls.path("/vraag/")),
    }


def materialized_views() -> list:
    """Views the build stored as tables (they are still computed overviews to the reader)."""
    try:
        from eenzaamheid.tables.load import MATERIALIZED_VIEWS
    except Exception:  # noqa: BLE001 - served without the project package: only real views
        return []
    return list(MATERIALIZED_VIEWS)


def downloads(datasette) -> dict:
    """The exports in the served clean folder (next to the database), per table and format."""
    db = database(datasette)
    folder = Path(db.path).parent if db.path else None
    prefix = "/" + STATIC_DOWNLOADS + "/"
    for mount, directory in getattr(datasette, "static_mounts", []):
        if folder and Path(directory).resolve() == folder.resolve():
            prefix = "/" + mount + "/"
            break
    prefix = datasette.urls.path(prefix)
    tables: dict = {}
    extra = []
    if folder and folder.is_dir():
        for fmt, label in EXPORT_FORMATS:
            sub = folder / fmt
            if not sub.is_dir():
                continue
            for f in sorted(sub.glob(f"*.{fmt}")):
                tables.setdefault(f.stem, []).append(
                    {"formaat": label, "url": f"{prefix}{fmt}/{f.name}", "bytes": f.stat().st_size})
        for name, label in ((ZIP_NAME, "Het hele datapakket (zip)"),
                            ("datapackage.json", "Beschrijving van het datapakket (Frictionless datapackage.json)"),
                            ("dcat.ttl", "Beschrijving van de dataset voor datacatalogi (DCAT-AP-NL 3.0, Turtle)"),
                            ("kwaliteitsrapport.html", "Kwaliteitsrapport van deze build: welke controles de data "
                                                       "doorstond, met alle afwijkende rijen"),
                            ("kwaliteitsrapport.json", "Hetzelfde kwaliteitsrapport als JSON")):
            if (folder / name).is_file():
                extra.append({"label": label, "url": prefix + name, "bytes": (folder / name).stat().st_size,
                              "naam": name})
    return {"tabellen": [{"naam": t, "bestanden": files} for t, files in sorted(tables.items())], "pakket": extra,
            "voor_mensen": people_files(folder, prefix) if folder and folder.is_dir() else None}


def people_files(folder: Path, prefix: str) -> dict | None:
    """The spreadsheets for people (publish/people_sheets.py) with names a reader understands:
    per year the workbook and the CSV for Dutch Excel, newest year first, and the all-years workbook."""
    from eenzaamheid.publish import people_sheets

    sub = folder / people_sheets.FOLDER

    def found(name: str) -> dict | None:
        path = sub / name
        return ({"url": f"{prefix}{people_sheets.FOLDER}/{name}", "grootte": file_size(path.stat().st_size),
                 "naam": name} if path.is_file() else None)

    year_file = re.compile(people_sheets.file_stem(r"(\d{4})") + r"\.xlsx")
    years = sorted((int(m.group(1)) for f in sub.glob("*.xlsx") if (m := year_file.fullmatch(f.name))), reverse=True)
    per_year = [{"jaar": y, "excel": found(f"{people_sheets.file_stem(y)}.xlsx"),
                 "csv": found(f"{people_sheets.file_stem(y)}.csv")} for y in years]
    all_years = found(f"{people_sheets.ALL_YEARS}.xlsx")
    return {"jaren": per_year, "alle_jaren": all_years} if per_year or all_years else None

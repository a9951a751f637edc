"""The site's shortcuts past Datasette's per-request work give the same pages as Datasette itself:
eenzaamheid/site/datasette/cells.py (table cells without a render_cell round per cell, rows written
straight from the values) and eenzaamheid/site/datasette/immutable.py (an immutable database's schema and
table permissions read once). Each test runs a real Datasette in-process with the site's own
arguments (serve.datasette_args) on the demo build."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re

import pytest

from eenzaamheid import build
from eenzaamheid.site import serve

PAGES = [
    "/benchmark/inzendingen",                            # labels of foreign keys, gemeente_code links
    "/benchmark/inzendingen?_labels=off&_sort_desc=jaar&jaar=2023",
    "/benchmark/inzendingen?_size=7&_next=2019-00050",
    "/benchmark/deelname_per_gemeente",                  # gemeente_code as primary key, numbers
    "/benchmark/gepubliceerd_naast_berekend",            # floats in the Dutch style, long texts
    "/benchmark/gemeenten",
    "/benchmark/gemeenten/GM0518",                       # a row page
    "/benchmark/antwoorden_breed?_size=30",
    "/benchmark/bronbestanden",
    "/benchmark/vraag_trend",                            # a view: no link column
    "/benchmark/toelichtingen?_search=GGD",
    "/benchmark/kwaliteitsresultaten?_size=40",
    "/benchmark/opschoonlog",
    "/benchmark/kwaliteitscontroles?_size=30",           # quotes and ampersands to escape
    "/benchmark/vraagversies",
]


def _in_thread(coroutine):
    # a thread of its own: a session's Playwright (sync API) may already run an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _datasette(db_path, metadata_path=None):
    from datasette import cli

    args = serve.datasette_args(db_path=db_path, metadata_path=metadata_path)[4:]
    ctx = cli.serve.make_context("serve", args)
    return ctx.invoke(cli.serve.callback, **{**ctx.params, "return_instance": True})


def _normalized(html: str) -> str:
    return re.sub(r"duurden [\d.,]+ ms", "duurden … ms", html)


async def _pages(datasette, paths) -> dict:
    await datasette.invoke_startup()
    out = {}
    for path in paths:
        response = await datasette.client.get(path, follow_redirects=True)
        out[path] = (response.status_code, _normalized(response.text))
    return out


@pytest.fixture(scope="module")
def db_path(built_site_dir):
    return built_site_dir / build.DB_NAME


def test_table_and_row_pages_are_the_same_as_with_datasettes_own_cells(db_path, monkeypatch):
    from datasette.views import row as row_view
    from datasette.views import table as table_view

    from eenzaamheid.site.datasette import cells

    ours = _in_thread(_pages(_datasette(db_path), PAGES))
    assert table_view.display_columns_and_rows is cells.display_columns_and_rows  # the plugin installed it
    datasette = _datasette(db_path)  # loading the plugin installs cells.py again: replace it after that
    monkeypatch.setattr(table_view, "display_columns_and_rows", cells.ORIGINAL)
    monkeypatch.setattr(row_view, "display_columns_and_rows", cells.ORIGINAL)
    theirs = _in_thread(_pages(datasette, PAGES))
    for path in PAGES:
        assert ours[path][0] == 200, path
        assert ours[path] == theirs[path], path
    assert re.search(r'<a href="/gemeente/GM\d{4}" title="Gemeentepagina">[^<]+</a>&nbsp;<em>GM',
                     ours["/benchmark/inzendingen"][1])


def test_display_rows_read_as_datasette_builds_them(db_path):
    """What another reader of display_rows gets (Row objects of cell dicts) equals the original's."""
    from datasette.views import table as table_view

    from eenzaamheid.site.datasette import cells

    calls = []

    async def recorded(*args, **kwargs):
        calls.append((args, kwargs))
        return await cells.display_columns_and_rows(*args, **kwargs)

    async def both():
        datasette = _datasette(db_path)
        await datasette.invoke_startup()
        table_view.display_columns_and_rows = recorded
        try:
            for path in ("/benchmark/inzendingen?_size=20", "/benchmark/gepubliceerd_naast_berekend?_size=20",
                         "/benchmark/vraag_trend?_size=20"):
                assert (await datasette.client.get(path, follow_redirects=True)).status_code == 200
        finally:
            table_view.display_columns_and_rows = cells.display_columns_and_rows
        found = []
        for args, kwargs in calls:
            columns, rows = await cells.display_columns_and_rows(*args, **kwargs)
            their_columns, their_rows = await cells.ORIGINAL(*args, **kwargs)
            found.append((columns, [r.cells for r in rows], len(rows), bool(rows), their_columns,
                          [r.cells for r in their_rows]))
        return found

    found = _in_thread(both())
    assert len(found) == 3
    for columns, cells_, length, truthy, their_columns, their_cells in found:
        assert columns == their_columns
        assert cells_ == their_cells and length == len(their_cells) == 20 and truthy
        assert [type(c["value"]) for row in cells_ for c in row] == \
            [type(c["value"]) for row in their_cells for c in row]


def test_schema_answers_are_remembered_as_copies_and_only_for_immutable_files(db_path, tmp_path):
    from datasette.database import Database

    from eenzaamheid.site.datasette.immutable import SchemaMemoDatabase

    async def check():
        datasette = _datasette(db_path)
        await datasette.invoke_startup()
        db = datasette.get_database("benchmark")
        assert isinstance(db, SchemaMemoDatabase)
        reference = Database(datasette, path=str(db_path), is_mutable=False)
        reference.name = "benchmark"  # the same file and the same metadata (label_column)
        for method in ("table_columns", "table_column_details", "primary_keys", "foreign_keys_for_table",
                       "fts_table", "label_column_for_table"):
            for table in ("inzendingen", "gemeenten", "toelichtingen", "vraag_trend", "bestaat_niet"):
                first = await getattr(db, method)(table)
                assert first == await getattr(reference, method)(table), (method, table)
                if isinstance(first, list):
                    first.append("veranderd")  # a caller changing its answer does not change the next one
                    assert await getattr(db, method)(table) == await getattr(reference, method)(table)
        for sql, params in (("select sql from sqlite_master where name = :n and type=:t",
                             {"n": "inzendingen", "t": "table"}), ("PRAGMA schema_version", None)):
            rows = (await db.execute(sql, params)).rows
            rows.append("veranderd")
            assert [tuple(r) for r in (await db.execute(sql, params)).rows] == \
                [tuple(r) for r in (await reference.execute(sql, params)).rows]
        # a mutable copy is read anew: a table added after the first question is seen
        copy = tmp_path / "veranderlijk.db"
        copy.write_bytes(db_path.read_bytes())
        mutable = datasette.add_database(Database(datasette, path=str(copy), is_mutable=True), name="veranderlijk")
        from eenzaamheid.site.datasette import immutable
        immutable.install(datasette)
        assert not isinstance(mutable, SchemaMemoDatabase)
        assert "nieuw" not in await mutable.table_names()
        await mutable.execute_write("create table nieuw (a integer primary key)")
        return await mutable.table_names(), await mutable.primary_keys("nieuw")

    names, keys = _in_thread(check())
    assert "nieuw" in names and keys == ["a"]


def test_a_table_closed_by_the_metadata_stays_closed_on_every_request(db_path, built_site_dir, tmp_path):
    """The table permissions are remembered per table: an `allow` block still refuses every time."""
    metadata = json.loads((built_site_dir / "metadata.json").read_text(encoding="utf-8"))
    metadata["databases"]["benchmark"]["tables"]["inzendingen"]["allow"] = {"id": "beheerder"}
    metadata_path = tmp_path / "metadata.json"
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    copy = tmp_path / build.DB_NAME
    copy.write_bytes(db_path.read_bytes())

    async def statuses(memo: bool):
        datasette = _datasette(copy, metadata_path)
        await datasette.invoke_startup()
        if not memo:
            del datasette._table_permission_allows  # Datasette's own method again
        out = []
        for path in ["/benchmark/inzendingen", "/benchmark/Inzendingen", "/benchmark/inzendingen.json",
                     "/benchmark/inzendingen?_sort=jaar"] * 2 + ["/benchmark/gemeenten"]:
            out.append((await datasette.client.get(path, follow_redirects=True)).status_code)
        return out

    remembered = _in_thread(statuses(True))
    assert remembered == _in_thread(statuses(False))
    assert remembered[0] == remembered[2] == remembered[3] == remembered[4] == 403 and remembered[-1] == 200

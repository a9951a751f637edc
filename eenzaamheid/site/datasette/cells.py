"""A faster copy of Datasette 0.65.5's `display_columns_and_rows` (datasette/views/table.py), the
function that turns a table page's rows into display cells.

The original asks every render_cell hook for every cell (through pluggy, even when no plugin
implements it: about a third of a table page's CPU), builds the row's link with the table's
URL and tilde-encoding anew for every row, and tests every number for being a URL. This copy
returns the same columns and cells (same dicts, same Markup) but does that work once per page,
and only for values it can apply to; the cells are built only when something reads them
(DisplayRows): our _table.html writes the rows straight from the values (rows.py). It is used
only when no plugin implements render_cell and the table declares no units; otherwise the
original runs. Listed in eenzaamheid/site/datasette/overrides.py
(INTERNALS "views/table.py"); tests/test_site_cells.py compares both on real pages.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import markupsafe
from datasette.plugins import pm
from datasette.utils import CustomRow, format_bytes, is_url, path_from_row_pks, tilde_encode, truncate_url
from datasette.views import row as row_view
from datasette.views import table as table_view

ORIGINAL = table_view.display_columns_and_rows
_TILDE_SAFE = re.compile(r"[A-Za-z0-9_-]*")
_NBSP = markupsafe.Markup("&nbsp;")
_dict_item = dict.__getitem__  # CustomRow's own __getitem__ for a column name, without its checks


_tilde_encoded = functools.lru_cache(maxsize=4096)(tilde_encode)  # a column's values repeat (file names)


def _tilde(value) -> str:
    text = str(value)
    return text if _TILDE_SAFE.fullmatch(text) else _tilde_encoded(text)


def _pk_path(row, pks, use_rowid, quote=True) -> str:
    """Datasette's path_from_row_pks, with its tilde-encoding skipped for text that needs none."""
    if use_rowid:
        bits = [row["rowid"]]
    else:
        bits = [row[pk]["value"] if isinstance(row[pk], dict) else row[pk] for pk in pks]
    return ",".join(_tilde(bit) if quote else str(bit) for bit in bits)


class DisplayRows(Sequence):
    """A table page's display rows, as Datasette's list of Row objects with one dict per cell,
    built only when something reads them that way. Our _table.html writes the rows straight
    from the page's values instead (rows.table_rows, with `page` and `rows`): building ~1,500
    cell dicts first and reading them again costs as much as writing the HTML."""

    def __init__(self, page: "Page", rows: list):
        self.page, self.rows = page, rows
        self._built: list | None = None

    def _all(self) -> list:
        if self._built is None:
            self._built = [self.page.row(row) for row in self.rows]
        return self._built

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())


class Page:
    """What the cells of one table page share, worked out once."""

    def __init__(self, datasette, database_name, table_name, pks, column_to_foreign_key_table, shown, link_column,
                 truncate_cells):
        self.datasette, self.database_name, self.table_name = datasette, database_name, table_name
        self.pks, self.use_rowid = pks, not pks
        self.fk_tables = column_to_foreign_key_table
        self.shown = shown  # [(position in the query's columns, column name)] of the cells shown
        self.link_column, self.truncate_cells = link_column, truncate_cells
        self.base_url = datasette.setting("base_url")
        self.table_path = datasette.urls.table(database_name, table_name)
        self.links: dict = {}  # the link of an expanded foreign key, per value and label: values repeat

    @staticmethod
    def values(row) -> list | tuple:
        # a row with expanded labels is a CustomRow: its values read straight from the dict
        return [_dict_item(row, c) for c in row.columns] if type(row) is CustomRow else tuple(row)

    def row(self, row):
        cells = [self.link_cell(row)] if self.link_column else []
        values = self.values(row)
        cells.extend(self.cell(row, column, values[i]) for i, column in self.shown)
        return table_view.Row(cells)

    def link_cell(self, row) -> dict:
        pks = self.pks
        pk_path = _pk_path(row, pks, self.use_rowid, False)
        return {
            "column": pks[0] if len(pks) == 1 else "Link",
            "value_type": "pk",
            "is_special_link_column": len(pks) != 1,
            "raw": pk_path,
            "value": markupsafe.Markup('<a href="{table_path}/{flat_pks_quoted}">{flat_pks}</a>'.format(
                table_path=self.table_path, flat_pks=str(markupsafe.escape(pk_path)),
                flat_pks_quoted=_pk_path(row, pks, self.use_rowid))),
        }

    def cell(self, row, column: str, value) -> dict:
        """One cell, as the original's loop body (without render_cell and units)."""
        truncate_cells = self.truncate_cells
        kind = type(value)
        if value is None or value == "":
            display_value = _NBSP
        elif kind is int or kind is float:
            display_value = str(value)
            if truncate_cells and len(display_value) > truncate_cells:
                display_value = display_value[:truncate_cells] + "\u2026"
        elif kind is str:
            stripped = value.strip()
            if stripped.startswith("http") and is_url(stripped):
                display_value = markupsafe.Markup('<a href="{url}">{truncated_url}</a>'.format(
                    url=markupsafe.escape(stripped),
                    truncated_url=markupsafe.escape(truncate_url(stripped, truncate_cells))))
            else:
                display_value = value
                if truncate_cells and len(display_value) > truncate_cells:
                    display_value = display_value[:truncate_cells] + "\u2026"
        elif isinstance(value, bytes):
            formatted = format_bytes(len(value))
            display_value = markupsafe.Markup(
                '<a class="blob-download" href="{}"{}>&lt;Binary:&nbsp;{:,}&nbsp;byte{}&gt;</a>'.format(
                    self.datasette.urls.row_blob(self.database_name, self.table_name,
                                                 path_from_row_pks(row, self.pks, not self.pks), column),
                    ' title="{}"'.format(formatted) if "bytes" not in formatted else "",
                    len(value), "" if len(value) == 1 else "s"))
        elif isinstance(value, dict):  # an expanded foreign key: a link to the other row
            label, value = value["label"], value["value"]
            key = (column, type(value), value, type(label), label)  # 1 and 1.0 are equal keys
            display_value = self.links.get(key)
            if display_value is None:
                link_template = table_view.LINK_WITH_LABEL if label != value else table_view.LINK_WITH_VALUE
                display_value = self.links[key] = markupsafe.Markup(link_template.format(
                    database=self.database_name, base_url=self.base_url,
                    table=_tilde(self.fk_tables[column]), link_id=_tilde(value),
                    id=str(markupsafe.escape(value)), label=str(markupsafe.escape(label)) or "-"))
        else:  # anything else as the original: its text, or a link when it is a URL
            text = str(value).strip()
            if is_url(text):
                display_value = markupsafe.Markup('<a href="{url}">{truncated_url}</a>'.format(
                    url=markupsafe.escape(value.strip()),
                    truncated_url=markupsafe.escape(truncate_url(value.strip(), truncate_cells))))
            else:
                display_value = str(value)
                if truncate_cells and len(display_value) > truncate_cells:
                    display_value = display_value[:truncate_cells] + "\u2026"
        return {"column": column, "value": display_value, "raw": value,
                "value_type": "none" if value is None else type(value).__name__}


async def display_columns_and_rows(datasette, database_name, table_name, description, rows, link_column=False,
                                   truncate_cells=0, sortable_columns=None):
    table_metadata = datasette.table_metadata(database_name, table_name)
    if pm.hook.render_cell.get_hookimpls() or table_metadata.get("units"):
        return await ORIGINAL(datasette, database_name, table_name, description, rows, link_column=link_column,
                              truncate_cells=truncate_cells, sortable_columns=sortable_columns)
    sortable_columns = sortable_columns or set()
    db = datasette.databases[database_name]
    column_descriptions = table_metadata.get("columns") or {}
    column_details = {col.name: col for col in await db.table_column_details(table_name)}
    pks = await db.primary_keys(table_name)
    pks_for_display = pks or ["rowid"]

    columns = []
    for r in description:
        if r[0] == "rowid" and "rowid" not in column_details:
            type_, notnull = "integer", 0
        else:
            type_, notnull = column_details[r[0]].type, column_details[r[0]].notnull
        columns.append({"name": r[0], "sortable": r[0] in sortable_columns, "is_pk": r[0] in pks_for_display,
                        "type": type_, "notnull": notnull, "description": column_descriptions.get(r[0])})

    column_to_foreign_key_table = {fk["column"]: fk["other_table"]
                                   for fk in await db.foreign_keys_for_table(table_name)}
    single_pk = pks[0] if link_column and len(pks) == 1 else None  # shown in the link column only
    shown = [(i, c["name"]) for i, c in enumerate(columns) if c["name"] != single_pk]
    page = Page(datasette, database_name, table_name, pks, column_to_foreign_key_table, shown, link_column,
                truncate_cells)
    cell_rows = DisplayRows(page, list(rows))

    if link_column:
        # the link column's header first (as the original: without a description)
        if len(pks) == 1:
            columns = [col for col in columns if col["name"] != pks[0]]
            first_column = {"name": pks[0], "sortable": True, "is_pk": True,
                            "type": column_details[pks[0]].type, "notnull": column_details[pks[0]].notnull}
        else:
            first_column = {"name": "Link", "sortable": False, "is_pk": False, "type": "", "notnull": 0}
        columns = [first_column] + columns
    return columns, cell_rows


def install() -> None:
    """Datasette's table and row pages call the function by its module-level name."""
    table_view.display_columns_and_rows = display_columns_and_rows
    row_view.display_columns_and_rows = display_columns_and_rows

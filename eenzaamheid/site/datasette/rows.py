"""Table and query pages: their rows written in plain Python.

Datasette renders every cell and then loops over them in its asynchronous Jinja templates,
which costs more than the rest of such a page. Our copies of _table.html and query.html call
these two functions instead: the same markup, written in plain Python. They also make every
gemeente_code cell a link to the municipality page (done here rather than in a render_cell
hook, which Datasette would call once for every cell).
"""
import re

from datasette.utils import to_css_class
from markupsafe import Markup, escape

from eenzaamheid.site.datasette.cells import DisplayRows
from eenzaamheid.site.common import esc as _esc
from eenzaamheid.site.getallen import cell_number, getal, grouped, number_style

_GM_CODE = re.compile(r"GM\d{4}")
_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # nothing to escape in HTML or tilde-encode in a URL


def gemeente_cell(href: str, code, label=None) -> Markup | None:
    """A gemeente_code cell as a link to the municipality page (with its name when the table
    shows labels), or None for anything that is not a CBS code."""
    if not isinstance(code, str) or not _GM_CODE.fullmatch(code):
        return None
    if label and label != code:
        return Markup(f'<a href="{href}{code}" title="Gemeentepagina">{_esc(label)}</a>&nbsp;<em>{code}</em>')
    return Markup(f'<a href="{href}{code}" title="Gemeentepagina">{code}</a>')


_OPENINGS: dict = {}  # (column, kind) -> '<td class=...>': the same on every page (to_css_class hashes)
_MAX_OPENINGS = 10_000  # column names come from the schema; a bound all the same


def _td(column, kind) -> str:
    found = _OPENINGS.get((column, kind))
    if found is None:
        if len(_OPENINGS) >= _MAX_OPENINGS:
            _OPENINGS.clear()
        found = _OPENINGS[(column, kind)] = f'<td class="col-{_esc(to_css_class(column))} type-{_esc(kind)}">'
    return found


def table_rows(datasette, gemeenten: dict):
    """`tabelrijen(display_rows)` for _table.html. A gemeente_code that is the table's primary
    key (table gemeenten) keeps its link to the row and gets one to the municipality page."""
    href = datasette.urls.path("/gemeente/")

    def render(display_rows) -> Markup:
        numbers: dict = {}  # column -> its cells' numbers in the Dutch style (getallen.number_style)
        td = _td

        def cell_html(cell) -> str:
            column, kind, value = cell["column"], cell["value_type"], cell["value"]
            if column == "gemeente_code":
                if kind != "pk":
                    code = cell["raw"]
                    label = (gemeenten.get(code) or {}).get("naam") if "&nbsp;<em>" in str(value) else None
                    value = gemeente_cell(href, code, label) or value
                    return f"{td(column, kind)}{_esc(value)}</td>"
                return (f'{td(column, kind)}{_esc(value)} <a class="gemeente-link" href="{href}{_esc(cell["raw"])}" '
                        'title="Gemeentepagina">gemeentepagina</a></td>')
            if kind == "str" or kind == "none" or kind == "pk":  # text, empty, the row link: no number
                return f"{td(column, kind)}{escape(value)}</td>"
            style = numbers.get(column)
            if style is None:
                style = numbers[column] = number_style(column)
            dutch = style(cell["raw"])
            return f"{td(column, kind)}{escape(value) if dutch is None else dutch}</td>"  # never None

        if not isinstance(display_rows, DisplayRows):  # Datasette's own cells (cells.py steps aside)
            return Markup("".join("<tr>" + "".join(map(cell_html, row)) + "</tr>\n" for row in display_rows))
        return Markup("".join(_written(display_rows, td, cell_html, href)))
    return render


def _written(display_rows: DisplayRows, td, cell_html, gemeente_href: str) -> list:
    """The rows of a table page straight from its values: what cell_html would write for the
    cells cells.Page builds, for the common values (empty, numbers, plain text, a plain primary
    key) without building those cells; anything else (links, labels, URLs, long text,
    gemeente_code) through them."""
    page = display_rows.page
    truncate = page.truncate_cells
    # per column shown: its position, name, whether it is plain (not gemeente_code), whether its
    # integers are grouped (getallen), its cells' openings per kind of value, and the cells already
    # written for its integers and its texts (a column's values repeat: 0 and 1, names of provinces)
    plan = [(i, column, column != "gemeente_code", grouped(column),
             td(column, "none"), td(column, "str"), td(column, "int"), td(column, "float"), {}, {})
            for i, column in page.shown]
    link_cell = _link_writer(page, td, cell_html, gemeente_href)
    out = []
    for row in display_rows.rows:
        out.append("<tr>")
        if link_cell is not None:
            out.append(link_cell(row))
        values = page.values(row)
        for i, column, plain, group, td_none, td_str, td_int, td_float, ints, texts in plan:
            value = values[i]
            if plain:
                kind = type(value)
                if kind is int:  # digits: nothing to escape; grouped from 1.000 on (getallen.number_style)
                    html = ints.get(value)
                    if html is None and (not truncate or len(str(value)) <= truncate):
                        html = ints[value] = f"{td_int}{getal(value) if group and abs(value) >= 1000 else value}</td>"
                    if html is not None:
                        out.append(html)
                        continue
                elif kind is str:
                    html = texts.get(value)
                    if html is None:
                        if value == "":
                            html = texts[value] = f"{td_str}&nbsp;</td>"
                        elif not (truncate and len(value) > truncate) and not value.strip().startswith("http"):
                            html = texts[value] = f"{td_str}{escape(value)}</td>"
                    if html is not None:
                        out.append(html)
                        continue
                elif value is None:
                    out.append(f"{td_none}&nbsp;</td>")
                    continue
                elif kind is float:
                    text = repr(value)
                    if not truncate or len(text) <= truncate:
                        if (not group or -1000 < value < 1000) and "e" not in text and "n" not in text:
                            # getal() without thousands: the shortest digits, a decimal comma
                            out.append(f"{td_float}{text.replace('.', ',')}</td>")
                        else:
                            out.append(f"{td_float}{getal(value, group=group)}</td>")
                        continue
            out.append(cell_html(page.cell(row, column, value)))
        out.append("</tr>\n")
    return out


def _link_writer(page, td, cell_html, gemeente_href: str):
    """The link column's cell per row (None without one): a single plain primary key written
    directly (cells.Page.link_cell otherwise); a gemeente_code also links to the municipality
    page (as cell_html)."""
    if not page.link_column:
        return None
    pk = page.pks[0] if len(page.pks) == 1 else None
    td_pk = td(pk, "pk") if pk is not None else None
    gemeente_pk = pk == "gemeente_code"

    def link_cell(row) -> str:
        key = row[pk] if pk is not None else None
        kind = type(key)
        if (kind is str and _SAFE_KEY.fullmatch(key)) or kind is int:  # as written, escaped and tilde-encoded
            link = f'<a href="{page.table_path}/{key}">{key}</a>'
            if gemeente_pk:
                link += f' <a class="gemeente-link" href="{gemeente_href}{key}" title="Gemeentepagina">gemeentepagina</a>'
            return f"{td_pk}{link}</td>"
        return cell_html(page.link_cell(row))
    return link_cell


def query_rows(datasette):
    """`queryrijen(columns, display_rows)` for query.html (canned queries and SQL)."""
    href = datasette.urls.path("/gemeente/")

    def render(columns, display_rows, raw_rows=()) -> Markup:
        """raw_rows: the query's own rows (Datasette's display values are text): numbers in the
        Dutch style where the cell shows the plain number (not in JSON or CSV)."""
        classes = [f'<td class="col-{_esc(to_css_class(c))}">' for c in columns]
        linked = [c == "gemeente_code" for c in columns]
        out = []
        for i, row in enumerate(display_rows):
            raw = raw_rows[i] if i < len(raw_rows) else (None,) * len(columns)
            out.append("<tr>")
            for td, link, column, value, number in zip(classes, linked, columns, row, raw):
                if link:
                    value = gemeente_cell(href, value) or value
                elif isinstance(number, (int, float)) and value == str(number):
                    value = cell_number(column, number) or value
                out.append(f"{td}{_esc(value)}</td>")
            out.append("</tr>\n")
        return Markup("".join(out))
    return render

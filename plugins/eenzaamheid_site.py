"""The public site of the Benchmark Eén tegen eenzaamheid on Datasette 0.65: the Datasette plugin.

A thin entry point: the hooks below call into the package eenzaamheid/site/, which holds the
parts (store.py: what the pages need, read once per database; routes.py: our pages; home.py,
gemeente.py, vragen.py, kaart.py: their data; charts.py: inline SVG; rows.py: table and query
rows; render.py; errors.py; asgi.py with security.py: headers and hardening).

Hooks:
- startup: read what the pages need (the `Store`); remember what Datasette would otherwise
  work out on every request from an immutable database (immutable.py); absolute URLs of facet
  links the short way (absolute_url.py);
- extra_template_vars: `synthetisch` (banner, noindex) and the survey years on every page, the site's links, the
  table/query row writers, and on the home page its canned queries, overviews and downloads;
- register_routes: the site's own pages (eenzaamheid/site/routes.py);
- handle_exception: Datasette's error pages through render_template, so they get the banner;
- asgi_wrapper: X-Robots-Tag while synthetic, warm the home page before reporting ready, and
  outermost the site's hardening (read-only methods, no hidden files, security headers).
At import: Datasette's table cells without a render_cell round (cells.py) and SQLite's JSON1
support asked once, not on every table page (connection.py).
"""
import functools

from datasette import hookimpl

from eenzaamheid import years

from eenzaamheid.site import routes
from eenzaamheid.site.datasette import absolute_url, cells, connection, immutable, sync_frame
from eenzaamheid.site.hardening import errors, security
from eenzaamheid.site.pages import provincie, zoeken
from eenzaamheid.site.asgi import wrapper
from eenzaamheid.site.common import SYNTHETIC_DETAIL, SYNTHETIC_HEADLINE
from eenzaamheid.site.pages.home import home, home_context
from eenzaamheid.site.datasette.nederlands import template_helpers
from eenzaamheid.site.render import sync_partial
from eenzaamheid.site.datasette.rows import query_rows, table_rows
from eenzaamheid.site.store import get_store
from eenzaamheid.site.pages import wijzigingen as site_wijzigingen

cells.install()  # Datasette's table cells without a render_cell round per cell (eenzaamheid/site/datasette/cells.py)
connection.remember_json1()  # asked once, not on every table page (eenzaamheid/site/datasette/connection.py)


@hookimpl
def startup(datasette):
    from datasette.plugins import pm
    security.remove_default_exception_handler(pm)
    immutable.install(datasette)
    sync_frame.install(datasette)
    absolute_url.install(datasette)

    async def inner():
        await get_store(datasette)
    return inner


@hookimpl
def prepare_connection(conn):
    """zoekterm_fts() and gemeente_code_van() for the canned queries (eenzaamheid/site/pages/zoeken.py)."""
    zoeken.prepare_connection(conn)


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/robots\.txt$", routes.robots_txt),
        (r"^/gemeenten\.json$", zoeken.gemeenten_json),
        (r"^/gemeente/?$", routes.gemeente_zoeken),
        (r"^/gemeente/(?P<code>[^/]+)/factsheet/?$", routes.factsheet),
        (r"^/gemeente/(?P<code>[^/]+)/antwoorden\.(?P<fmt>csv|xlsx)$", routes.gemeente_cijfers),
        (r"^/gemeente/(?P<code>[^/]+)/?$", routes.gemeente),
        (r"^/vragen/?$", routes.vragen),
        (r"^/vraag/(?P<vraag_id>[A-Za-z0-9_]+)/?$", routes.vraag),
        (r"^/vraag/(?P<vraag_id>[A-Za-z0-9_]+)/cijfers\.(?P<fmt>csv|xlsx)$", routes.vraag_cijfers),
        (r"^/kaart/?$", routes.kaart),
        (r"^/provincie/?$", provincie.province_index),
        (r"^/provincie/(?P<naam>[^/]+)/?$", provincie.province_page),
        (r"^/provincie/(?P<naam>[^/]+)/gemeenten\.(?P<fmt>csv|xlsx)$", provincie.province_download),
        (r"^/over/?$", routes.over_deze_data),
        (r"^/wijzigingen/?$", site_wijzigingen.page),
    ]


@hookimpl
def extra_template_vars(template, datasette, request):
    async def inner():
        store = await get_store(datasette)
        out = {"synthetisch": store.synthetisch, "synthetisch_kop": SYNTHETIC_HEADLINE,
               "synthetisch_uitleg": SYNTHETIC_DETAIL, "site_nav": [
            ("Home", datasette.urls.instance()), ("Gemeenten", datasette.urls.path("/gemeente")),
            ("Vragen", datasette.urls.path("/vragen")), ("Kaart", datasette.urls.path("/kaart")),
            ("Over deze data", datasette.urls.path("/over"))],
            "tabelrijen": table_rows(datasette, store.gemeenten), "queryrijen": query_rows(datasette),
            "wijzigingen_laden": functools.partial(site_wijzigingen.wijzigingen_context, datasette),
            "synchroon": sync_partial(datasette),
            # the survey years as every page writes them: from the served data, never typed
            "jaren_bereik": years.span(store.jaren), "jaren_van_tot": years.in_words(store.jaren),
            **template_helpers()}
        if template == "index.html":
            out["home"] = await home_context(datasette, request, store)
        return out
    return inner


@hookimpl
def handle_exception(datasette, request, exception):
    """Every error page, HTML and JSON (eenzaamheid/site/hardening/errors.py)."""
    return errors.error_response(datasette, request, exception)


@hookimpl(trylast=True)  # outermost: the security headers and refusals cover every other plugin too
def asgi_wrapper(datasette):
    return wrapper(datasette)

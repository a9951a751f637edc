"""Every error page, HTML and JSON, in Dutch and with the synthetic-data banner.

Datasette's default exception handler is removed at startup (security.remove_default_exception_handler);
the plugin's handle_exception hook calls `error_response`."""
import sqlite3
import traceback

from datasette.utils.asgi import Response
from datasette.version import __version__ as datasette_version
from markupsafe import Markup

from eenzaamheid.site.hardening import security

ROW_NOT_FOUND = "Deze rij bestaat niet."


def is_bad_row_url(request, exception) -> bool:
    """A row URL with fewer key values than the table has primary-key columns (/<db>/antwoorden/1):
    Datasette binds the values it got and SQLite fails on the missing ones. Not a server error but
    a row that does not exist."""
    return (isinstance(exception, sqlite3.ProgrammingError) and "binding parameter" in str(exception)
            and "pks" in (request.scope.get("url_route") or {}).get("kwargs", {}))


TITLES = {400: "Ongeldige aanvraag", 403: "Geen toegang", 404: "Niet gevonden", 405: "Niet toegestaan",
          500: "Er ging iets mis"}


def error_response(datasette, request, exception):
    """HTML goes through render_template, so it gets the banner. A request Datasette rejects is a
    4xx with a Dutch message, never a 500. Returns a Response or an awaitable of one."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    status = security.error_status(exception, Base400, DatasetteError)
    title = getattr(exception, "title", None) if isinstance(exception, DatasetteError) else None
    if status is None and is_bad_row_url(request, exception):
        status, message = 404, ROW_NOT_FOUND
    elif status is None:
        status, message = 500, str(exception)
        traceback.print_exception(exception)
    elif isinstance(exception, DatasetteError):
        message = (Markup(security.without_inline_scripts(exception.message)) if exception.message_is_html
                   else exception.message)
    else:
        message = exception.args[0] if exception.args else ""
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": str(message), "status": status, "title": title}, status=status)
    if not isinstance(message, Markup):
        message = security.dutch_message(message)

    async def inner():
        try:
            html = await datasette.render_template(
                [f"{status}.html", "error.html"],
                {"ok": False, "error": message, "status": status, "title": title or TITLES.get(status, f"Fout {status}"),
                 "datasette_version": datasette_version, "metadata": datasette.metadata()},
                request=request, view_name="error")
        except Exception as error:  # noqa: BLE001 - the only handler left: always answer
            traceback.print_exception(error)
            return Response.text(f"{TITLES.get(status, 'Fout')} ({status})", status=status)
        return Response.html(html, status=status)
    return inner

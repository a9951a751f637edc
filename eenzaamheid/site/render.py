"""Rendering our pages: through Datasette's templates (banner, navigation), with cache headers,
and a plain synchronous Jinja environment for the long repetitive parts."""
from datasette.utils.asgi import Response
from datasette.version import __version__ as datasette_version
from jinja2 import Environment, FileSystemLoader

from eenzaamheid.paths import CODE_ROOT

_SYNC_TEMPLATES: dict = {}


class _RowsEnvironment(Environment):
    """`{{ r.label }}` on the dicts our pages pass looks the key up first. Jinja tries the
    attribute first, and for a dict that fails with an exception on every lookup: thousands per
    municipality page. A dict's methods (`d.items()`) are still found when it has no such key."""

    def getattr(self, obj, attribute):
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def sync_templates(datasette) -> Environment:
    """A plain Jinja environment on our templates for the long repetitive parts of a page (a
    year of a municipality's answers): Datasette's environment renders asynchronously, which
    costs several milliseconds per page of ~170 rows. Same templates, same autoescaping."""
    key = datasette.template_dir
    env = _SYNC_TEMPLATES.get(key)
    if env is None:
        paths = [p for p in (datasette.template_dir, str(CODE_ROOT / "templates")) if p]
        env = _SYNC_TEMPLATES[key] = _RowsEnvironment(loader=FileSystemLoader(paths), autoescape=True)
    return env


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context = {"datasette_version": datasette_version, "metadata": datasette.metadata(), **context}
    html = await datasette.render_template(template, context, request=request, view_name=template.split(".")[0])
    return Response.html(html, status=status, headers=cache_headers(datasette) if status == 200 else None)


def cache_headers(datasette) -> dict:
    """Our pages change only with a new build, like Datasette's own: cache them as long as its
    default_cache_ttl says (a proxy in front can then carry the load)."""
    return {"Cache-Control": f"max-age={datasette.setting('default_cache_ttl')}"}


async def not_found(datasette, request, title: str, message: str, links=()) -> Response:
    return await render(datasette, request, "niet_gevonden.html",
                        {"titel": title, "melding": message, "links": list(links)}, status=404)

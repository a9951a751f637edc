"""Rendering our pages: through Datasette's templates (banner, navigation), with cache headers,
and a plain synchronous Jinja environment for the long repetitive parts."""
import re
import types
import weakref

from datasette.utils.asgi import Response
from datasette.version import __version__ as datasette_version
from jinja2 import Environment, FileSystemLoader, Template, pass_context
from markupsafe import Markup, escape

from eenzaamheid.paths import CODE_ROOT

_SYNC_TEMPLATES: dict = {}
_DICT_ATTRIBUTES = frozenset(dir(dict))


def _dict_key_first(environment, obj, attribute):
    """Jinja's getattr (`{{ r.label }}`), exactly, but without its exception on a dict: Jinja
    tries the attribute first and only then the key, and on a plain dict every name that is not
    one of dict's own attributes fails as an attribute (thousands of exceptions per page)."""
    if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
        try:
            return obj[attribute]
        except KeyError:
            return environment.undefined(obj=obj, name=attribute)
    return Environment.getattr(environment, obj, attribute)


_SPECIAL = re.compile(r"[&<>'\"]")  # what markupsafe.escape replaces


def output_escape(value):
    """markupsafe.escape for the output of `{{ ... }}`, where its result is only joined into the
    page: the same text, but plain text and numbers without a Markup object each (thousands per
    page: a tenth of a page's CPU)."""
    kind = type(value)
    if kind is str:
        return value if _SPECIAL.search(value) is None else escape(value)
    if kind is int or kind is float:  # digits, sign, point, exponent, inf, nan: nothing to escape
        return str(value)
    if kind is Markup:  # already safe: escape() would copy it
        return value
    return escape(value)


class _OutputEscapeTemplate(Template):
    """A compiled template whose `{{ ... }}` output goes through output_escape. Jinja's compiled
    code calls the name `escape` of its module only for output (jinja2/compiler.py,
    _output_child_pre); tests/test_site_sync_frame.py checks the name is still there."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        namespace["escape"] = output_escape
        return super()._from_namespace(environment, namespace, globals)


class _RowsEnvironment(Environment):
    getattr = _dict_key_first
    template_class = _OutputEscapeTemplate


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


_DATASETTE_SYNC: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def datasette_sync_templates(datasette) -> Environment:
    """Datasette's own Jinja environment (its loader with our templates first, its filters),
    but synchronous: for the parts of our copies of its templates that need nothing asynchronous."""
    env = _DATASETTE_SYNC.get(datasette.jinja_env)
    if env is None:
        # a cache of its own: an overlay otherwise starts with a copy of the asynchronous templates
        env = _DATASETTE_SYNC[datasette.jinja_env] = datasette.jinja_env.overlay(enable_async=False, cache_size=400)
        env.getattr = types.MethodType(_dict_key_first, env)
        env.template_class = _OutputEscapeTemplate
    return env


def sync_partial(datasette):
    """`synchroon(name)` for templates: renders the template `name` with the calling template's
    whole context, synchronously. Datasette renders its pages asynchronously, and every piece of
    text passes through a chain of async generators: on a table page that costs more than the
    rest of the template. The part rendered this way must call nothing asynchronous."""
    @pass_context
    def synchroon(context, name: str) -> Markup:
        return Markup(datasette_sync_templates(datasette).get_template(name).render(context.get_all()))
    return synchroon


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

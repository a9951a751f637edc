"""Whole pages rendered with Jinja's synchronous mode: the same templates, the same HTML.

Datasette 0.65 renders every page with Jinja's asynchronous mode, so that its templates can call
asynchronous functions (`menu_links()`, `crumb_items(...)`, `table_actions()`): every piece of
output then passes through a chain of async generators, about 1.5-2 ms of CPU per page. Those
calls are few and their arguments come from the page's context, so this module awaits them
*before* rendering and renders the same template synchronously with stand-ins that hand back
the awaited results:

- which calls a template makes is learnt per template name: a stand-in asked for a call it has
  no result for stops the synchronous render (`_NeedsAsync`); the call is remembered and the
  render tried again with it awaited first. From then on that template's pages await it first;
- an argument is remembered as "the context's value named X" (the page's request, database,
  table) or as a plain value; anything else (or more than a few retries) and the page is
  rendered exactly as Datasette does, asynchronously.

Installed as a wrapper round `Datasette.render_template`, which takes a ready Template and ends
in `template.render_async(context)`: the template handed to it is a `SyncFrame`, a copy of the
selected Template whose render_async does the above. Listed in eenzaamheid/site/datasette/overrides.py
(INTERNALS "app.py"); tests/test_site_sync_frame.py compares both renderings on real pages.
"""
from __future__ import annotations

import inspect

from datasette.utils import await_me_maybe
from jinja2 import Template

from eenzaamheid.site.render import datasette_sync_templates

MAX_TRIES = 4  # a page's template calls few asynchronous functions (crumbs, menu, actions)
_PLAIN = (str, int, float, bool, type(None))
ENABLED = True  # tests switch it off to compare with Datasette's own rendering


class _NeedsAsync(Exception):
    def __init__(self, call=None):
        super().__init__(call)
        self.call = call  # None: a call that cannot be awaited beforehand


def _ref(context: dict, name, value):
    """An argument as something the next page's context gives again."""
    if name is not None and name in context and context[name] is value:
        return ("ctx", name)
    if type(value) in _PLAIN:
        return ("val", value)
    for key, candidate in context.items():
        if candidate is value:
            return ("ctx", key)
    raise _NeedsAsync()


def _value(context: dict, ref):
    kind, what = ref
    return context[what] if kind == "ctx" else what


class _StandIn:
    """In place of an asynchronous function of the context: its awaited result per call."""

    def __init__(self, key: str, context: dict, results: dict):
        self.key, self.context, self.results = key, context, results

    def __call__(self, *args, **kwargs):
        call = (self.key, tuple(_ref(self.context, None, a) for a in args),
                tuple(sorted((k, _ref(self.context, k, v)) for k, v in kwargs.items())))
        if call in self.results:
            return self.results[call]
        raise _NeedsAsync(call)


async def _awaited(context: dict, call):
    key, args, kwargs = call
    function = context[key]
    return await await_me_maybe(function(*(_value(context, a) for a in args),
                                         **{k: _value(context, v) for k, v in kwargs}))


class SyncFrame(Template):
    """A copy of a selected Template (same name, same source) rendered synchronously."""

    _calls: dict  # template name -> the calls its pages make: awaited before rendering
    _datasette = None

    @classmethod
    def of(cls, template: Template, datasette, calls: dict) -> "SyncFrame":
        frame = object.__new__(cls)
        frame.__dict__.update(template.__dict__)
        frame._datasette, frame._calls = datasette, calls
        return frame

    async def render_async(self, *args, **kwargs):
        context = dict(*args, **kwargs)
        calls = self._calls.setdefault(self.name, set())
        asynchronous = [k for k, v in context.items() if callable(v) and inspect.iscoroutinefunction(v)]
        for _ in range(MAX_TRIES):
            results = {}
            try:
                for call in calls:
                    if call[0] in context:
                        results[call] = await _awaited(context, call)
            except Exception:  # let Datasette's own rendering meet it (or not) as it would
                break
            stand_ins = {k: _StandIn(k, context, results) for k in asynchronous}
            try:
                template = datasette_sync_templates(self._datasette).get_template(self.name)
                return template.render({**context, **stand_ins})
            except _NeedsAsync as needed:
                if needed.call is None:
                    break
                calls.add(needed.call)
        return await Template.render_async(self, context)


def install(datasette) -> None:
    """At startup: every page Datasette renders goes through SyncFrame."""
    original = datasette.render_template
    calls: dict = {}

    async def render_template(templates, context=None, request=None, view_name=None):
        if not ENABLED or (isinstance(templates, Template) and templates.name is None):  # from_string()
            return await original(templates, context, request, view_name)
        if isinstance(templates, Template):
            template = templates
        else:
            template = datasette.jinja_env.select_template([templates] if isinstance(templates, str) else templates)
        return await original(SyncFrame.of(template, datasette, calls), context, request, view_name)
    datasette.render_template = render_template

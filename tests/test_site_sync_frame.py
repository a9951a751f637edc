"""Whole pages rendered synchronously (eenzaamheid/site/datasette/sync_frame.py) are the pages Datasette's
asynchronous rendering gives: the same HTML on every kind of page, the asynchronous calls of the
templates (crumbs, menu, table actions, the wijzigingen rows) awaited beforehand, and a call that
cannot be awaited beforehand rendered as Datasette does. A real Datasette in-process with the
site's own arguments on the demo build."""
from __future__ import annotations

import jinja2
import pytest

from eenzaamheid import build
from tests.test_site_cells import _datasette, _in_thread, _normalized, _pages

PAGES = [
    "/", "/gemeente", "/gemeente/GM0518", "/gemeente/GM0518/factsheet", "/gemeente/GM9999", "/vragen",
    "/vraag/instrumenten", "/kaart?jaar=2024", "/over", "/wijzigingen",
    "/benchmark", "/benchmark/deelname_per_gemeente", "/benchmark/gepubliceerd_naast_berekend?status=afwijking",
    "/benchmark/inzendingen?_size=20", "/benchmark/gemeenten/GM0518", "/benchmark/wijzigingen?_size=5",
    "/benchmark/gemeente_naast_provincie_en_land?gemeente=GM0518&jaar=2024",
    "/benchmark/respons_per_provincie", "/benchmark?sql=select+1+as+een",
    "/benchmark/bestaat_niet", "/benchmark?sql=select+fout",  # error pages
]


@pytest.fixture(scope="module")
def db_path(built_site_dir):
    return built_site_dir / build.DB_NAME


async def _rendered(datasette, paths, enabled: bool, monkeypatch) -> dict:
    from eenzaamheid.site.datasette import sync_frame

    monkeypatch.setattr(sync_frame, "ENABLED", enabled)
    return await _pages(datasette, paths)


@pytest.fixture
def fell_back(monkeypatch) -> list[str]:
    """The templates a synchronous frame handed back to Datasette's asynchronous rendering."""
    from eenzaamheid.site.datasette.sync_frame import SyncFrame

    names = []
    original = jinja2.Template.render_async

    async def spied(self, *args, **kwargs):
        if isinstance(self, SyncFrame):
            names.append(self.name)
        return await original(self, *args, **kwargs)
    monkeypatch.setattr(jinja2.Template, "render_async", spied)
    return names


def test_pages_are_the_same_as_rendered_asynchronously(db_path, monkeypatch, fell_back):
    datasette = _datasette(db_path)
    ours = _in_thread(_rendered(datasette, PAGES * 2, True, monkeypatch))  # twice: learnt calls awaited first
    assert fell_back == []  # every page was rendered synchronously
    theirs = _in_thread(_rendered(_datasette(db_path), PAGES, False, monkeypatch))
    for path in PAGES:
        assert ours[path] == theirs[path], path
    assert ours["/benchmark/bestaat_niet"][0] == 404 and ours["/"][0] == 200
    assert 'class="crumbs"' in ours["/benchmark/deelname_per_gemeente"][1]  # crumb_items(...) awaited first
    learnt = datasette_calls(datasette)["table.html"]  # remembered per template: awaited before rendering
    assert {call[0] for call in learnt} >= {"crumb_items", "menu_links", "table_actions"}


def datasette_calls(datasette) -> dict:
    """The calls the installed render_template has learnt, per template name."""
    cell = dict(zip(datasette.render_template.__code__.co_freevars, datasette.render_template.__closure__))
    return cell["calls"].cell_contents


def test_a_call_that_cannot_be_awaited_beforehand_is_rendered_as_datasette_does(db_path, tmp_path, monkeypatch,
                                                                                  fell_back):
    """An asynchronous function called with an argument the context does not hold (a new object
    on every call): the page is rendered asynchronously, with the same result."""
    async def label(value, suffix=""):
        return f"<{type(value).__name__}>{suffix}"

    (tmp_path / "proef.html").write_text(
        '{% extends "base.html" %}{% block content %}<p>{{ label(namespace(), suffix="!") }} '
        '{{ label("tekst") }} {{ label(database) }}</p>{% endblock %}', encoding="utf-8")

    async def both():
        out = []
        for enabled in (True, False):
            datasette = _datasette(db_path)
            datasette.jinja_env.loader.loaders.insert(0, jinja2.FileSystemLoader(str(tmp_path)))
            from eenzaamheid.site.datasette import sync_frame
            monkeypatch.setattr(sync_frame, "ENABLED", enabled)
            await datasette.invoke_startup()
            html = await datasette.render_template("proef.html", {"label": label, "database": "benchmark"})
            out.append(_normalized(html))
        return out

    ours, theirs = _in_thread(both())
    assert ours == theirs
    assert "&lt;Namespace&gt;! &lt;str&gt; &lt;str&gt;" in ours
    assert fell_back == ["proef.html"]


def test_output_escape_writes_what_markupsafe_escape_writes():
    from markupsafe import Markup, escape

    from eenzaamheid.site import render

    class Html:
        def __html__(self):
            return "<b>al veilig</b>"

    values = ["", "gewoon", "a & b", "<script>", "'s-Gravenhage", 'zei "ja"', "€ é ‘x’", Markup("<i>x</i>"), 0, -3,
              2024, 1.5, -0.0, 1e16, float("inf"), float("nan"), True, None, Html(), ["<lijst>"]]
    for value in values:
        assert str(render.output_escape(value)) == str(escape(value)), repr(value)
    # Jinja's compiled templates still call `escape` for their output, and ours get the faster one
    env = render.sync_templates(type("D", (), {"template_dir": None})())
    template = env.from_string("{{ a }}|{{ b }}|{{ c }}")
    assert template.root_render_func.__globals__["escape"] is render.output_escape
    assert template.render(a="<x>", b=Markup("<y>"), c=1000) == "&lt;x&gt;|<y>|1000"


# The loop of templates/_gemeente_jaar.html that gemeente.question_blocks replaced, as it was.
QUESTION_LOOP = """    {% for q in s.vragen %}
    <div class="vraagblok">
        <h4><a href="{{ vraag_url }}{{ q.vraag_id }}">{{ q.onderwerp }}</a></h4>
        <p class="formulering">{% if q.formulering %}‘{{ q.formulering }}’{% else %}<em>De formulering van {{ j.jaar }} is niet gepubliceerd.</em>{% endif %}</p>
        {% if q.vergelijkbaar == 'nee' %}<p class="breuk-noot"><strong>Niet vergelijkbaar met {{ j.jaar - 1 }}:</strong> {{ q.reden }}</p>
        {% elif q.vergelijkbaar == 'onzeker' %}<p class="breuk-noot onzeker"><strong>Mogelijk niet vergelijkbaar met {{ j.jaar - 1 }}:</strong> {{ q.reden }}</p>{% endif %}
        {% if q.regels %}
        <table class="antwoorden">
            <colgroup><col class="c1"><col class="c2"><col class="c3"></colgroup>
            <thead><tr><th scope="col">{% if q.type in ('matrix', 'meervoudig') %}Onderdeel{% else %}Vraag{% endif %}</th><th scope="col">Antwoord {{ g.naam }}</th><th scope="col">Aandeel gemeenten met <em>hetzelfde</em> antwoord in provincie {{ j.provincie }} en Nederland</th></tr></thead>
            <tbody>
            {% for r in q.regels %}
            <tr class="antwoord-rij" data-jaar="{{ j.jaar }}" data-vraag="{{ q.vraag_id }}" data-item="{{ r.item_code }}" data-optie="{{ r.optie_code }}">
                <th scope="row">{{ r.item or q.onderwerp }}</th>
                <td class="antwoord"><span class="markering" aria-hidden="true">●</span> {{ r.antwoord }}</td>
                <td class="grafiek">{{ r.svg }}</td>
            </tr>
            {% endfor %}
            </tbody>
        </table>
        {% endif %}
        {% for t in q.toelichtingen %}<blockquote class="toelichting">{{ t }}</blockquote>{% endfor %}
    </div>
    {% endfor %}
"""


def test_question_blocks_write_what_the_template_loop_wrote(db_path, monkeypatch):
    """gemeente.question_blocks against the Jinja loop it replaced (plain Jinja, autoescaped), on
    the sections of many municipalities: breaks, notes, unpublished wordings, matrix questions."""
    import sqlite3

    from eenzaamheid.site import routes
    from eenzaamheid.site.pages import gemeente

    calls = []

    def recorded(*args):
        calls.append(args)
        return gemeente.question_blocks(*args)
    monkeypatch.setattr(routes, "question_blocks", recorded)
    with sqlite3.connect(db_path) as conn:
        codes = [r[0] for r in conn.execute(
            "select distinct gemeente_code from inzendingen join gemeenten using (gemeente_code) "
            "where status = 'geaccepteerd' order by gemeente_code")]

    async def visit():
        datasette = _datasette(db_path)
        await datasette.invoke_startup()
        for code in codes[::4]:
            assert (await datasette.client.get(f"/gemeente/{code}", follow_redirects=True)).status_code == 200

    _in_thread(visit())
    loop = jinja2.Environment(autoescape=True).from_string(QUESTION_LOOP + "    ")
    written = [(str(gemeente.question_blocks(j, s, g, url)), loop.render(j=j, s=s, g=g, vraag_url=url))
               for j, s, g, url in calls]
    assert len(written) > 100
    for ours, theirs in written:
        assert "    " + ours + "\n    " == theirs
    html = "".join(ours for ours, _ in written)
    for part in ('class="breuk-noot"', "breuk-noot onzeker", 'class="toelichting"', "is niet gepubliceerd",
                 ">Onderdeel<", "&#39;"):
        assert part in html, part

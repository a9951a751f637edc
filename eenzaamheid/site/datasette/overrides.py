"""Every place where the site copies or replaces a part of Datasette: the one list.

Datasette 0.65 has no hook for these (no translations, no per-row writer, no way to keep its
inline scripts out of a content security policy, no way to silence its exception logger), so
each is a minimal copy of the original of the Datasette version below. When Datasette is
upgraded, tests/test_datasette_overrides.py fails until every copy has been compared with the new
original (diff it, carry our few changes over) and its hash here updated.
"""
from __future__ import annotations

DATASETTE_VERSION = "0.65.5"

# our file in templates/ -> (sha256 of Datasette's original it was copied from, what we changed)
TEMPLATES: dict[str, tuple[str, str]] = {
    "base.html": ("bb22df33caea147e1db3b238878f2716ab698c81be89a66d9dabd5649e899dc2",
                  "lang=nl, our stylesheets, noindex, the synthetic-data banner, skip link and <main>; our static files "
                  "under content-hashed URLs (statisch(), eenzaamheid/site/datasette/assets.py)"),
    "_table.html": ("f75a8872713f28fdce49b9a44a397f26ba1b5db5e82a74dda1f20ec14faaaa57",
                    "rows written by the plugin in plain Python; the link column 'Rij', sort links to #resultaten"),
    "query.html": ("bc3559df0e209da97d0bb46d0da5e36e02a9a561e4e473d1b79f62776786b435",
                   "rows written by the plugin in plain Python; Dutch text, hidden SQL, title = query title; "
                   "the form goes to #resultaten"),
    "table.html": ("81cec4b0f7948bf0b4756b1a0ce706ce30d5694e506fd5639f3cd08a4a8f88a9",
                   "Dutch text, filters and counts; labelled filter controls; DATASETTE_ALLOW_FACET set by "
                   "static/table-settings.js, not inline (CSP); the body below the description in "
                   "_tabel_inhoud.html, rendered synchronously; descriptions behind toggles (data on the first "
                   "screen), filters, facets and paging to #resultaten, facets folded, Download voor Excel"),
    "_crumbs.html": ("882c9d69e13363b440d4b977d432ae7287548d53e71ca199327c1acece3c9c81", "the first crumb 'start' instead of 'home'"),
    "database.html": ("4fd5e97823bb5380b54c4f4f5285f07d1db74e366ef6225aa46dddfcf5b2c88a",
                      "Dutch text and counts, a label on the SQL editor, no SQL in the query links' titles"),
    "row.html": ("ff5dde41541c39dd09f1dee1bbb3e4e58e8487775b17e1c9650bd558eb1b5a17",
                 "Dutch text and counts; the description behind a toggle on a narrow screen"),
    "error.html": ("c2115d1fdbff1a480b804fe880bafec9a754544f7b154e5322f680309ee3b497",
                   "Dutch title; the message box styled in site.css, not inline"),
    "_footer.html": ("d190d9e7dc5046c1bdfb2b738c60754143eab44fdbae2d9a74e7b8f1aa2cf44b", "Dutch text"),
    "_description_source_license.html": ("13fcf73b733dadc598f79a11ce5ec04df6205d13deefeb76bd388008cc072e51",
                                         "Dutch text"),
    "_facet_results.html": ("622d3c764aa14f17f07714af7bbdee5719adfbce9cce5358fd3df3e2df137f30",
                            "counts in the Dutch number style, remove crosses labelled, links to #resultaten, facet types in Dutch"),
    "_close_open_menus.html": ("eda6b9dbf39ab061a9e29dcb05fdb5728d91dce8bcf5de436c0066c22a840fe2",
                               "the script as static/close-open-menus.js (CSP)"),
    "_codemirror_foot.html": ("57f0251b9c1fbe032faf49694bcf7ef1940c6c4fa9a7e2bfb587e79f758dcd12",
                              "the script as static/codemirror-foot.js (CSP)"),
    # extends "default:index.html" rather than copying it: listed so a change to the original is seen
    "index.html": ("ed57b14bb5656bcdb133170a1d3aa2e2c71255662b1b0ecce7a86dc8a9406294",
                   "extends Datasette's index with our introduction, pages and downloads"),
}

# Datasette modules and scripts whose behaviour we replace (security.py, static/), with their sha256
INTERNALS: dict[str, tuple[str, str]] = {
    "templates/_suggested_facets.html": ("da43051a548a47be72a74513d45e7a4fba4fd5e89d49b29fc48b0b306000f20f",
                                         "not included: written out in Dutch in templates/_tabel_inhoud.html"),
    "handle_exception.py": ("3719f10da9179271afb5101a587c4a958dbb14c25c5535d5d8c491f37e7c472d",
                            "its exception hook is unregistered; ours answers every error in Dutch"),
    "static/table.js": ("3f88398838479a1863c5896883e361ded3c0e26c8c7ddbe26e43beb44757994c",
                        "copied as static/table-nl.js: the column menu in Dutch, its cog a keyboard button, its links "
                        "to #resultaten"),
    "views/table.py": ("e3d59ce68cfbbe4f1abf07af349d17664c7ec2fe6acd9fe72c67f2666409dd7a",
                       "display_columns_and_rows copied as eenzaamheid/site/datasette/cells.py (no render_cell round per "
                       "cell, rows built lazily); also replaced in views/row.py"),
    "facets.py": ("9b1601d9a670fc4f1d601448fd3f8bdd05b6923564517bf2abe59a474b47a8a6",
                  "detect_json1() as register_facet_classes calls it (no connection) answered once per process "
                  "(eenzaamheid/site/datasette/connection.py)"),
    "database.py": ("fb8dd9ef75f91790f5ca7483b76be02048d9568f763aa9d13dc0f478230b89ac",
                    "the schema methods and schema SQL of an immutable database remembered "
                    "(eenzaamheid/site/datasette/immutable.py, SCHEMA_SQL)"),
    "app.py": ("36064583680d23b511f8eec68030945b9ef24fc882aa7da5b83b9774ad44821d",
               "_table_permission_allows remembered per table while no plugin supplies metadata, refresh_schemas "
               "once for immutable databases, the permission query in SCHEMA_SQL (eenzaamheid/site/datasette/immutable.py); "
               "render_template wrapped: it takes a ready Template and ends in template.render_async(context), "
               "which our SyncFrame renders synchronously after awaiting the template's asynchronous calls "
               "(crumb_items, menu_links, table_actions: eenzaamheid/site/datasette/sync_frame.py); absolute_url answered "
               "without urljoin where that gives the same text (eenzaamheid/site/datasette/absolute_url.py)"),
}

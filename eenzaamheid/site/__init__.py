"""The public site: serving it (serve.py, front.py: nginx), its wiring (asgi, routes, render, store) and
shared parts (common, getallen, charts, page_sheets); the pages a reader visits in pages/, Datasette
adapted and sped up in datasette/, the hardening in hardening/. The Datasette hooks live in
plugins/eenzaamheid_site.py, a thin entry point that calls into here."""

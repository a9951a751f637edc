"""The public site: its pages, their data, charts and hardening. The Datasette hooks live in
plugins/eenzaamheid_site.py, a thin entry point that calls into here."""

"""The public site's Python parts that are not Datasette hooks themselves (the hooks live in
plugins/eenzaamheid_site.py and call into here)."""

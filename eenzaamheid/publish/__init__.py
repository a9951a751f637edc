"""Stage 5, publish: the checked tables as files people download, switched in at once.

In: the clean tables and clean/benchmark.db. Out: CSV, JSON, Parquet and spreadsheets,
datapackage.json, the zip with its documentation and catalogue (catalog/: DCAT, release notes), the
site's metadata, and the output folder swapped whole (publication.py) — or a refusal saying why not.
"""

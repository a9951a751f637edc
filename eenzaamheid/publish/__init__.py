"""Stage 7, publish: the checked tables as files people download, switched in at once.

In: the clean tables and clean/benchmark.db that passed the quality gate (quality/, stage 6) and the
change record (changes/). Out: CSV, JSON, Parquet and spreadsheets, datapackage.json, the zip with its
documentation and catalogue records (release.py, catalog/), the site's metadata, and the output folder
swapped whole (publication.py), or a refusal saying why not (refusal.py).
"""

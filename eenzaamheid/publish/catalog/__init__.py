"""The dataset in the catalogues, all generated from metadata.yml and the built package: the
release facts of datapackage.json (version, created, citation), the zip's README and CITATION.cff,
the DCAT-AP-NL 3.0 record (dcat.ttl) and the schema.org JSON-LD of the home page."""

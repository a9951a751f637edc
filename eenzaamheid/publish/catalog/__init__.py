"""The dataset in the catalogues, all generated from metadata.yml and the built package: the zip's
README and CITATION.cff, the DCAT-AP-NL 3.0 record (dcat.ttl); the release facts they share (version,
created, citation; also the home page's schema.org JSON-LD) are ../release.py."""

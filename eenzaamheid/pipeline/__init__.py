"""The data flow from a raw delivery to the published tables, one module per stage.

ingest -> validate (structure, values, cross-field, manifest) -> harmonize (privacy) -> panel ->
reconcile -> cleanschema -> load (views.sql) -> export.
"""

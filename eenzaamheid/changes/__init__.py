"""Stage 5, changes: what changed since the previous publication.

In: the new tables and the previously published ones. Out: the change record (the table
`wijzigingen`, WIJZIGINGEN.md) and `eenzaamheid verschil`'s report.
"""

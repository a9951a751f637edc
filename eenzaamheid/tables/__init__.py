"""Stage 4, tables: the clean tables as a database.

In: the transformed frames. Out: frames checked against their clean schemas (schemas/clean/) and
each other's foreign keys, the codebook as tables, and clean/benchmark.db with its views (views.sql).
"""

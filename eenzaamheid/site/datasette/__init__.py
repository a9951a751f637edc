"""Datasette 0.65 adapted: its pages in Dutch, and its speed-ups for an immutable database.

Every part of Datasette that is copied or replaced here is listed, with the hash of the original,
in overrides.py; tests/test_datasette_overrides.py fails when the installed Datasette differs.
"""

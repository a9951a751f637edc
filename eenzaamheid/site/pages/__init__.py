"""The pages a reader visits: home, municipalities, provinces, questions, the map, search, about.

In: the served database (through ../store.py) and a request. Out: the context a template in
templates/ renders (../render.py), or a file a person downloads (../page_sheets.py).
"""

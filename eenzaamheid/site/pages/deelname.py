"""Participation over the years: the map's "aantal jaren" mode (/kaart?weergave=aantal_jaren):
every current municipality coloured by the number of survey years in which it took part,
counted on its current code as the table `deelname_per_gemeente` counts it (a predecessor's
participation counts for its successor)."""
from eenzaamheid import years as survey_years
from eenzaamheid.site.pages.kaart import svg_map
from eenzaamheid.site.store import Store, rows

MODE = "aantal_jaren"
TABLE = "deelname_per_gemeente"


def years_per_municipality(conn) -> dict:
    """gemeente_code (current code) -> sorted years in which it took part (table deelname)."""
    out: dict = {}
    for r in rows(conn, "select gemeente_code, jaar from deelname where deelgenomen = 1 order by jaar"):
        out.setdefault(r["gemeente_code"], []).append(r["jaar"])
    return out


def years_map(store: Store, years: dict, base: str, table_url: str) -> dict:
    """The map and legend of the number of years each current municipality took part (cached)."""
    cached = store.cache.get(("kaart", MODE))
    if cached is not None:
        return cached
    latest = store.jaren[-1]
    total = len(store.jaren)
    dots = []
    for d in store.kaart[latest]:
        taken = years.get(d["code"], [])
        dots.append({**d, "aantal_jaren": len(taken), "jaren": taken})
    every = [g for g in store.gemeenten.values() if g["latitude"] is not None]
    bounds = (min(g["latitude"] for g in every), max(g["latitude"] for g in every),
              min(g["longitude"] for g in every), max(g["longitude"] for g in every))

    def classify(d):
        n = d["aantal_jaren"]
        text = (f"{n} van de {total} jaar" + (f" ({', '.join(map(str, d['jaren']))})" if n else "")
                + (" – elk jaar" if n == total else ""))
        return f"jaren-{n}", text

    counts = {n: 0 for n in range(total + 1)}
    for d in dots:
        counts[d["aantal_jaren"]] += 1
    title = f"Aantal jaren dat elke gemeente deelnam aan de benchmark ({survey_years.span(store.jaren)})"
    cached = {"svg": svg_map(dots, title, bounds, False, base, classify=classify), "aantal": len(dots),
              "titel": title, "totaal_jaren": total,
              "legenda": [{"n": n, "aantal": counts[n], "url": f"{table_url}?aantal_jaren={n}"}
                          for n in range(total, -1, -1)]}
    store.cache[("kaart", MODE)] = cached
    return cached

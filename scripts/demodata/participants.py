"""Who takes part in which year: the panels, the forced municipalities the dirt needs, the lower 2024 response of the provinces the report names."""
from __future__ import annotations

import random
from collections import Counter

from eenzaamheid.municipalities import register

from . import FORCED_PANEL, NAME_DIRT, PREDECESSOR_2022


def choose_participants(cal: dict, rng: random.Random) -> dict[int, list[tuple[str, str]]]:
    """Per year: (CBS code that year, stratum) for every respondent.

    Strata: 'vast' (2022+2023+2024), 'groep' (2022+2023 only), 'overig'. Panels are
    defined on successor codes, so a municipality that merged later still counts.
    """
    reg = register()
    n = cal["respondenten"]
    latest = sorted(reg.municipalities(2024)["gemeente_code"])
    pool = [c for c in latest if c not in FORCED_PANEL]
    rng.shuffle(pool)
    n_vast, n_groep = cal["panels"]["vast"], cal["panels"]["groep"]
    lower_response_2024(pool, cal, reg, rng)
    vast = sorted(FORCED_PANEL) + pool[: n_vast - len(FORCED_PANEL)]
    pool = pool[n_vast - len(FORCED_PANEL):]
    groep, pool = pool[: n_groep - n_vast], pool[n_groep - n_vast:]
    only22, pool = pool[: n[2022] - n_groep], pool[n[2022] - n_groep:]
    only23, pool = pool[: n[2023] - n_groep], pool[n[2023] - n_groep:]
    ov = cal["overlap"]
    n_rest24 = n[2024] - n_vast - ov["in_2023_en_2024"] - ov["in_2022_en_2024"]
    only24 = only23[: ov["in_2023_en_2024"]] + only22[: ov["in_2022_en_2024"]] + pool[:n_rest24]

    def in_year(successors: list[str], year: int) -> list[str]:
        valid = set(reg.municipalities(year)["gemeente_code"])
        out = []
        for s in successors:
            if s in valid:
                out.append(s)
            elif year == 2022 and s in PREDECESSOR_2022:
                out.append(PREDECESSOR_2022[s])
            else:
                preds = sorted(c for c in valid if reg.successor(c) == s)
                out.append(rng.choice(preds))
        return out

    years = {
        2022: [(c, "vast") for c in in_year(vast, 2022)] + [(c, "groep") for c in in_year(groep, 2022)]
              + [(c, "overig") for c in in_year(only22, 2022)],
        2023: [(c, "vast") for c in vast] + [(c, "groep") for c in groep] + [(c, "overig") for c in only23],
        2024: [(c, "vast") for c in vast] + [(c, "overig") for c in only24],
    }
    for year in (2019, 2020, 2021):
        codes = sorted(reg.municipalities(year)["gemeente_code"])
        forced = [NAME_DIRT[year][0]] if year in NAME_DIRT else []
        rest = [c for c in codes if c not in forced]
        years[year] = [(c, "overig") for c in forced + rng.sample(rest, n[year] - len(forced))]
    for year, rows in years.items():
        assert len(rows) == n[year], (year, len(rows))
        assert len({c for c, _ in rows}) == n[year], f"{year}: a municipality twice"
    return years


def lower_response_2024(pool: list[str], cal: dict, reg, rng: random.Random) -> None:
    """Reorder the shuffled pool so that the provinces the 2024 report calls 'betrekkelijk laag'
    respond at least `marge` below the national share in 2024: swap their municipalities out of the
    pool positions that take part in 2024 into positions that take part in 2022 or 2023 only."""
    spec, n = cal["lage_respons_2024"], cal["respondenten"]
    n_vast, n_groep, ov = cal["panels"]["vast"], cal["panels"]["groep"], cal["overlap"]
    a = n_vast - len(FORCED_PANEL)
    b = a + n_groep - n_vast
    c = b + n[2022] - n_groep
    d = c + n[2023] - n_groep
    n_rest24 = n[2024] - n_vast - ov["in_2023_en_2024"] - ov["in_2022_en_2024"]
    in_2024 = [*range(a), *range(b, b + ov["in_2022_en_2024"]), *range(c, c + ov["in_2023_en_2024"]),
               *range(d, d + n_rest24)]
    not_2024 = [*range(a, b), *range(b + ov["in_2022_en_2024"], c), *range(c + ov["in_2023_en_2024"], d)]
    municipalities = reg.municipalities(2024)
    province = dict(zip(municipalities["gemeente_code"], municipalities["provincie"]))
    national = n[2024] / len(province)
    size = Counter(province.values())
    cap = {p: int(size[p] * (national - spec["marge"])) for p in spec["provincies"]}
    count = Counter(province[pool[i]] for i in in_2024) + Counter(province[x] for x in FORCED_PANEL)
    for i in in_2024:
        p = province[pool[i]]
        if p in cap and count[p] > cap[p]:
            j = rng.choice([j for j in not_2024 if province[pool[j]] not in cap])
            pool[i], pool[j] = pool[j], pool[i]
            count[p] -= 1
            count[province[pool[i]]] += 1
    assert all(count[p] <= cap[p] for p in cap), (count, cap)
    rate = {p: count[p] / size[p] for p in size}
    assert max(rate[p] for p in cap) < min(rate[p] for p in size if p not in cap), f"not the lowest: {rate}"



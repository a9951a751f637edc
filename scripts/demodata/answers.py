"""Every respondent's answers (allocated to meet the calibrated shares and claims) and the rows of a year's export."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from eenzaamheid import codebook as cb
from eenzaamheid.municipalities import register


def shares_to_values(shares: dict, size: int) -> list:
    """Exact counts from shares by largest remainder; '_leeg' (skipped) becomes None."""
    total = sum(shares.values())
    raw = {k: v / total * size for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[: size - sum(counts.values())]:
        counts[k] += 1
    return [None if k == "_leeg" else k for k, c in counts.items() for _ in range(c)]


def defaults(cal: dict, vraag_id: str, item: str | None, qtype: str) -> dict:
    std = cal["standaard"]
    for key in (f"{vraag_id}.{item}", vraag_id, qtype):
        if key in std:
            return std[key]
    raise KeyError(f"no default shares for {vraag_id}.{item}")


def allocate(spec: dict | None, members: dict[str, list[int]], eligible: set[int] | None,
             shares: dict, rng: random.Random) -> dict[int, str | None]:
    """Values for one question (or item) in one year, respecting the population counts.

    `members` maps stratum -> respondent indexes. Counts given for 'vast' go to that stratum,
    'groep' minus 'vast' to the 'groep' stratum, and the rest of 'alle' is spread at random
    over the remaining respondents; uncounted respondents skipped the question.
    """
    out: dict[int, str | None] = {}
    pick = {s: [i for i in idx if eligible is None or i in eligible] for s, idx in members.items()}
    if spec is None:
        everyone = sorted(i for idx in pick.values() for i in idx)
        values = shares_to_values(shares, len(everyone))
        rng.shuffle(values)
        return dict(zip(everyone, values))
    fixed: dict[str, Counter] = {}
    if "vast" in spec:
        fixed["vast"] = Counter(spec["vast"])
    if "groep" in spec:
        fixed["groep"] = Counter(spec["groep"]) - Counter(spec["vast"])
    used = sum(fixed.values(), Counter())
    rest = Counter(spec["alle"]) - used
    assert Counter(spec["alle"]) - rest == used, f"population counts exceed 'alle': {spec}"
    for stratum, counts in fixed.items():
        idx = pick[stratum]
        values = [k for k, c in sorted(counts.items()) for _ in range(c)]
        assert len(values) <= len(idx), f"{stratum}: {len(values)} answers for {len(idx)} respondents"
        values += [None] * (len(idx) - len(values))
        rng.shuffle(values)
        out.update(zip(idx, values))
    others = sorted(i for s, idx in pick.items() if s not in fixed for i in idx)
    values = [k for k, c in sorted(rest.items()) for _ in range(c)]
    assert len(values) <= len(others), f"{len(values)} answers for {len(others)} respondents: {spec}"
    values += [None] * (len(others) - len(values))
    rng.shuffle(values)
    out.update(zip(others, values))
    return out


def allocate_multiple(count: int, respondents: list[int], selected: Counter, rng: random.Random) -> list[int]:
    """Who ticks a multiple-choice option: those with the fewest ticks so far first,
    so that (as in the real survey) every respondent ticks at least one option."""
    order = sorted(respondents, key=lambda i: (selected[i], rng.random()))
    chosen = order[:count]
    for i in chosen:
        selected[i] += 1
    return chosen


def allocate_exclusive(year: int, vraag_id: str, exclusive: str, spec: dict, members: dict[str, list[int]],
                       book: cb.Codebook, answers: list[dict], rng: random.Random) -> None:
    """A yes/no matrix with an exclusive item ('Geen'): who ticks it ticks nothing else, and everyone
    else ticks at least one other item (sources are handed out to those with the fewest first)."""
    n = len(answers)
    items = [c.item_code for c in book.answer_columns(year) if c.vraag_id == vraag_id]
    for item in items:
        counts = spec[item]["alle"]
        assert set(spec[item]) == {"alle"} and counts["ja"] + counts["nee"] == n, \
            f"{year} {vraag_id}.{item}: an exclusive question needs complete counts for everyone"
    first = allocate(spec[exclusive], members, None, {}, rng)
    excluded = {i for i, v in first.items() if v == "ja"}
    others = [i for i in range(n) if i not in excluded]
    ticks: Counter = Counter()
    for item in items:
        if item == exclusive:
            chosen = excluded
        else:
            chosen = set(allocate_multiple(spec[item]["alle"]["ja"], others, ticks, rng))
        for i in range(n):
            answers[i][(vraag_id, item)] = "ja" if i in chosen else "nee"
    assert all(ticks[i] for i in others), f"{year} {vraag_id}: too few ticks to cover everyone but '{exclusive}'"


def build_answers(year: int, strata: list[str], cal: dict, book: cb.Codebook, rng: random.Random) -> list[dict]:
    """Option codes per respondent: {(vraag_id, item_code): code or None}."""
    n = len(strata)
    members: dict[str, list[int]] = {}
    for i, s in enumerate(strata):
        members.setdefault(s, []).append(i)
    answers: list[dict] = [dict() for _ in range(n)]
    yspec = {q: v.get(year) for q, v in cal["vragen"].items()}
    selected: dict[str, Counter] = {}
    for col in book.answer_columns(year):
        q = book.questions[col.vraag_id]
        spec = yspec.get(col.vraag_id)
        if spec is not None and col.item_code is not None:
            spec = spec.get(col.item_code)
        eligible = None
        cond = q.get("alleen_als")
        if cond:
            allowed = cond.get("opties") or book.option_group(cond["vraag_id"], cond["groep"])
            eligible = {i for i in range(n) if answers[i].get((cond["vraag_id"], None)) in allowed}
        key = (col.vraag_id, col.item_code)
        if col.vraag_id in cal.get("exclusief", {}):
            if key not in answers[0]:  # the whole question at once: its items depend on each other
                allocate_exclusive(year, col.vraag_id, cal["exclusief"][col.vraag_id], yspec[col.vraag_id],
                                   members, book, answers, rng)
            continue
        if col.type == "open":
            continue  # free text is written afterwards, when the closed answers are known
        if col.type == "meervoudig":
            respondents = sorted(eligible) if eligible is not None else list(range(n))
            count = spec["alle"]["gekozen"] if spec else round(
                defaults(cal, col.vraag_id, col.item_code, "meervoudig")["gekozen"] * len(respondents))
            sel = selected.setdefault(col.vraag_id, Counter())
            chosen = set(allocate_multiple(count, respondents, sel, rng))
            for i in range(n):
                answers[i][key] = "gekozen" if i in chosen else None
            continue
        shares = defaults(cal, col.vraag_id, col.item_code, col.type)
        values = allocate(spec, members, eligible, shares, rng)
        for i in range(n):
            answers[i][key] = values.get(i)
    return answers


def add_free_text(year: int, answers: list[dict], cal: dict, book: cb.Codebook, rng: random.Random) -> None:
    texts = cal["teksten"]
    for col in book.answer_columns(year):
        if col.type != "open":
            continue
        vid = col.vraag_id
        if vid.endswith("_anders"):
            parent = vid[: -len("_anders")]
            who = [i for i, a in enumerate(answers) if a.get((parent, "anders")) == "gekozen"]
        else:
            share = cal["standaard"][vid]["tekst"]
            who = sorted(rng.sample(range(len(answers)), round(share * len(answers))))
        themed = cal["vrije_tekst"].get(vid, {}).get(year)
        n_theme = themed["aantal"] if themed else 0
        order = who[:]
        rng.shuffle(order)
        for k, i in enumerate(order):
            pool = texts[themed["thema"]] if k < n_theme else texts[vid]
            answers[i][(vid, None)] = rng.choice(pool)


def response_id(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "R_" + "".join(rng.choice(alphabet) for _ in range(15))


def fieldwork_times(cal: dict, year: int, rng: random.Random) -> tuple[dt.datetime, dt.datetime]:
    start_day, end_day = (dt.date.fromisoformat(d) for d in cal["veldwerk"][year])
    day = start_day + dt.timedelta(days=rng.randrange((end_day - start_day).days))
    start = dt.datetime.combine(day, dt.time(rng.randrange(8, 17), rng.randrange(60)))
    return start, start + dt.timedelta(minutes=rng.randrange(12, 95))


def to_labels(year: int, answers: dict, book: cb.Codebook) -> dict[str, str | None]:
    row = {}
    for col in book.answer_columns(year):
        code = answers.get((col.vraag_id, col.item_code))
        if col.type == "open":
            row[col.header] = answers.get((col.vraag_id, None))
        elif code is None:
            row[col.header] = None
        else:
            row[col.header] = col.labels[col.codes.index(code)]
    return row


def build_year(year: int, participants: list[tuple[str, str]], cal: dict, book: cb.Codebook,
               rng: random.Random) -> tuple[list[str], list[dict]]:
    reg = register()
    delivery = book.deliveries[year]
    meta = delivery.metadata_kolommen
    names = dict(zip(*[reg.municipalities(year)[c] for c in ("gemeente_code", "naam")]))
    answers = build_answers(year, [s for _, s in participants], cal, book, rng)
    add_free_text(year, answers, cal, book, rng)
    functions = ["Beleidsadviseur", "Beleidsmedewerker sociaal domein", "Programmamanager", "Projectleider eenzaamheid"]
    rows = []
    for i, ((code, stratum), ans) in enumerate(zip(participants, answers)):
        start, end = fieldwork_times(cal, year, rng)
        row = {
            meta["respons_id"]: response_id(rng), meta["starttijd"]: start, meta["eindtijd"]: end,
            meta["gemeente"]: names[code],
            meta["contact_naam"]: f"Demo Contactpersoon {year}-{i + 1:03d}",
            meta["contact_email"]: f"contact.{year}.{i + 1:03d}@example.org",
            meta["contact_telefoon"]: f"+31 6 0000 {i + 1:04d}",
            meta["contact_functie"]: rng.choice(functions),
            "_code": code, "_stratum": stratum,
        }
        row.update(to_labels(year, ans, book))
        rows.append(row)
    header = list(meta.values()) + [c.header for c in book.answer_columns(year)]
    return header, rows



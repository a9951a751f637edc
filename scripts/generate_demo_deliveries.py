"""Generate the synthetic demo deliveries raw/2019 … raw/2024 (deterministic, byte-identical).

The real survey exports are not public. These files imitate the supplier's exports
(xlsx for some years, ';'-separated cp1252 CSV for others, Dutch headers from the
codebook) and are calibrated by scripts/demo_calibration.yaml so that every figure in
checks/published_figures.csv is reproduced, and so that what the reports say in words holds
(scripts/demo_claims.yaml: orderings, trends, panels, exclusive 'Geen', per-province response). They also carry the dirt real exports have,
planted on purpose and listed in raw/demo_vervuiling.csv:

  antwoord_opmaak   5 answers with stray whitespace, 3 with a case variant
  gemeente_variant  5 municipality names as people type them (alias, misspelling,
                    missing province suffix, pre-merger name)
  dubbele_inzending 1 municipality that submitted twice (2023; the earlier, partial one)
  lege_rij          1 empty trailing row (2020)
  antwoord_onbekend 1 answer outside the options (2019)
  persoonsgegevens_in_vrije_tekst  1 e-mail address (2024) and 1 phone number (2023)

Skipped questions (empty cells) follow from the calibration; their number per year and
question is printed at the end. Contact details are obviously fake (example.org).

Usage: python scripts/generate_demo_deliveries.py [--uit raw] [--schaal K --jaar 2024]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import random
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path

import yaml
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eenzaamheid import codebook as cb  # noqa: E402
from eenzaamheid.municipalities import register  # noqa: E402

CALIBRATION = ROOT / "scripts" / "demo_calibration.yaml"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Municipalities the planted dirt needs (successor codes); they are put in the fixed panel.
NAME_DIRT = {  # year -> (code that year, name as delivered, rule explanation)
    2021: ("GM0200", "Apledoorn", "spelfout in de gemeentenaam (Apeldoorn)"),
    2022: ("GM0518", "Den Haag", "roepnaam in plaats van 's-Gravenhage"),
    2023: ("GM0796", "Den Bosch", "roepnaam in plaats van 's-Hertogenbosch"),
    2024: ("GM0164", "Hengelo", "naam zonder provinciesuffix (Hengelo (O.))"),
}
PREMERGER_DIRT = (2023, "GM1992", "Hellevoetsluis", "naam van vóór de fusie tot Voorne aan Zee (2023)")
FORCED_PANEL = ("GM0518", "GM0796", "GM0164", "GM1992")
PREDECESSOR_2022 = {"GM1992": "GM0530"}  # Voorne aan Zee took part in 2022 as Hellevoetsluis


def file_name(year: int, fmt: str) -> str:
    return f"benchmark_eenzaamheid_{year}_export.{fmt}"


# ---------------------------------------------------------------- participants

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
    groep = pool[: n_groep - n_vast]; pool = pool[n_groep - n_vast:]
    only22 = pool[: n[2022] - n_groep]; pool = pool[n[2022] - n_groep:]
    only23 = pool[: n[2023] - n_groep]; pool = pool[n[2023] - n_groep:]
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


# ---------------------------------------------------------------- answers

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


# ---------------------------------------------------------------- rows

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


# ---------------------------------------------------------------- dirt

class Dirt:
    """Plants the documented dirt and records where it is (file, Excel row, column)."""

    def __init__(self):
        self.records: list[dict] = []

    def note(self, year, fmt, row, column, rule, severity, description):
        self.records.append({"bestand": f"{year}/{file_name(year, fmt)}", "rij": row, "kolom": column or "",
                             "regel": rule, "ernst": severity, "omschrijving": description})


def plant(year: int, header: list[str], rows: list[dict], book: cb.Codebook, rng: random.Random, dirt: Dirt) -> list[dict]:
    delivery = book.deliveries[year]
    meta = delivery.metadata_kolommen
    fmt = delivery.formaat
    cols = book.answer_columns(year)
    rows.sort(key=lambda r: (r[meta["eindtijd"]], r[meta["respons_id"]]))

    if year == 2023:  # an earlier, abandoned attempt by a non-panel municipality: same name, few answers
        original = [r for r in rows if r["_stratum"] == "overig"][len(rows) // 4]
        early = dict(original)
        early[meta["respons_id"]] = response_id(rng)
        early[meta["starttijd"]] = original[meta["starttijd"]] - dt.timedelta(days=9)
        early[meta["eindtijd"]] = early[meta["starttijd"]] + dt.timedelta(minutes=7)
        for c in cols[4:]:
            early[c.header] = None
        rows.append(early)
        rows.sort(key=lambda r: (r[meta["eindtijd"]], r[meta["respons_id"]]))
        dup_row = rows.index(early) + 2
        dirt.note(year, fmt, dup_row, meta["gemeente"], "dubbele_inzending", "waarschuwing",
                  f"{early[meta['gemeente']]} leverde twee keer; deze eerdere, onvolledige inzending wordt vervangen")

    def excel_row(r):
        return rows.index(r) + 2

    def column_of(vraag_id, item=None):
        return next(c for c in cols if c.vraag_id == vraag_id and c.item_code == item)

    def answered(column):
        return [r for r in rows if r.get(column.header)]

    if year in NAME_DIRT:
        code, typed, why = NAME_DIRT[year]
        r = next(r for r in rows if r["_code"] == code)
        r[meta["gemeente"]] = typed
        dirt.note(year, fmt, excel_row(r), meta["gemeente"], "gemeente_variant", "waarschuwing", why)
    if year == PREMERGER_DIRT[0]:
        _, code, typed, why = PREMERGER_DIRT
        r = next(r for r in rows if r["_code"] == code)
        r[meta["gemeente"]] = typed
        dirt.note(year, fmt, excel_row(r), meta["gemeente"], "gemeente_variant", "waarschuwing", why)

    def reformat(column, n, how, why):
        candidates = answered(column)
        for r in sorted(rng.sample(candidates, n), key=excel_row):
            r[column.header] = how(r[column.header])
            dirt.note(year, fmt, excel_row(r), column.header, "antwoord_opmaak", "waarschuwing", why)

    if year == 2019:  # an answer outside the options: the row goes to quarantine
        column = column_of("week_deelname")
        r = rows[16]
        r[column.header] = "Weet ik niet"
        dirt.note(year, fmt, excel_row(r), column.header, "antwoord_onbekend", "fout", "antwoord buiten de antwoordopties")
    if year == 2020:
        reformat(column_of("monitoring"), 1, str.lower, "hoofdletter-variant")
    if year == 2021:
        reformat(column_of("week_deelname"), 2, lambda v: " " + v, "spatie voor het antwoord")
        reformat(column_of("monitoring"), 1, lambda v: v + "  ", "spaties achter het antwoord")
    if year == 2022:
        reformat(column_of("betrokkenheid_eenzamen"), 2, lambda v: f" {v} ", "spaties rond het antwoord")
        reformat(column_of("meldpunt"), 1, str.upper, "hoofdletter-variant")
    if year == 2024:
        reformat(column_of("coalitie"), 1, str.lower, "hoofdletter-variant")

    if year == 2023:  # a phone number in a free-text answer that is not one of the themed texts
        column = column_of("uitdagingen_anders")
        r = next(r for r in answered(column) if "ambtelijk" not in r[column.header].lower())
        r[column.header] = "Meer uitleg over onze aanpak? Bel 06-12345678."
        dirt.note(year, fmt, excel_row(r), column.header, "persoonsgegevens_in_vrije_tekst", "waarschuwing", "telefoonnummer in vrije tekst")
    if year == 2024:
        column = column_of("monitoring_toelichting")
        r = answered(column)[0]
        r[column.header] = "Evaluatie volgt in het voorjaar; vragen via j.jansen@example.org."
        dirt.note(year, fmt, excel_row(r), column.header, "persoonsgegevens_in_vrije_tekst", "waarschuwing", "e-mailadres in vrije tekst")
    if year == 2020:  # the export tool leaves an empty row at the end
        rows.append({h: None for h in header})
        dirt.note(year, fmt, len(rows) + 1, None, "lege_rij", "waarschuwing", "lege laatste rij")
    return rows


# ---------------------------------------------------------------- writers

def cell_text(value, date_format: str):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(date_format)
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[dict], delivery: cb.Delivery) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delivery.scheidingsteken, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([cell_text(r.get(h), delivery.datumformaat) for h in header])
    path.write_bytes(buf.getvalue().encode(delivery.codering))


def write_xlsx(path: Path, header: list[str], rows: list[dict], delivery: cb.Delivery, received: dt.date) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = delivery.werkblad
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd-mm-yyyy hh:mm"
    stamp = dt.datetime.combine(received, dt.time(9, 0))
    wb.properties.creator = "Enquêtesysteem (synthetische demo)"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue(), stamp))


def normalize_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """openpyxl stamps the zip entries and docProps with 'now': fix them for byte-identical output."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + iso.encode(), content)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- main

def generate(out: Path, scale: int = 1, only_year: int | None = None) -> list[dict]:
    with open(CALIBRATION, encoding="utf-8") as f:
        cal = yaml.safe_load(f)
    book = cb.load()
    rng = random.Random(cal["zaad"])
    participants = choose_participants(cal, rng)
    dirt = Dirt()
    manifest = []
    skipped = Counter()
    for year in cb.YEARS:
        yrng = random.Random(f"{cal['zaad']}-{year}")
        header, rows = build_year(year, participants[year], cal, book, yrng)
        rows = plant(year, header, rows, book, yrng, dirt)
        for r in rows:
            for c in book.answer_columns(year):
                skipped[(year, c.vraag_id)] += r.get(c.header) is None
        if only_year and year != only_year:
            continue
        if scale > 1:  # stress delivery: the same rows K times under new response ids
            srng = random.Random(f"{cal['zaad']}-stress")
            id_col = book.deliveries[year].metadata_kolommen["respons_id"]
            rows = [dict(r, **{id_col: response_id(srng)}) for _ in range(scale) for r in rows]
        delivery = book.deliveries[year]
        folder = out / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(year, delivery.formaat)
        received = dt.date.fromisoformat(cal["ontvangen"][year])
        if delivery.formaat == "csv":
            write_csv(path, header, rows, delivery)
        else:
            write_xlsx(path, header, rows, delivery, received)
        manifest.append({"bestand": f"{year}/{path.name}", "jaar": year, "sha256": sha256(path),
                         "bytes": path.stat().st_size, "ontvangen": received.isoformat(), "synthetisch": "true",
                         "vervangt": ""})
    write_table(out / "MANIFEST.csv", manifest)
    if scale == 1 and only_year is None:
        write_table(out / "demo_vervuiling.csv", dirt.records)
    return [{"jaar": y, "vraag_id": q, "overgeslagen": n} for (y, q), n in sorted(skipped.items()) if n]


def write_table(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--uit", type=Path, default=ROOT / "raw", help="output folder (default raw/)")
    p.add_argument("--schaal", type=int, default=1, help="stress delivery: repeat every row K times")
    p.add_argument("--jaar", type=int, help="write only this year")
    args = p.parse_args(argv)
    skipped = generate(args.uit, args.schaal, args.jaar)
    print(f"written to {args.uit}; skipped answers (empty cells) per year and question:")
    for s in skipped:
        print(f"  {s['jaar']} {s['vraag_id']}: {s['overgeslagen']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

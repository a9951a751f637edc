"""What the reports say in words (scripts/demo_claims.yaml), checked on the clean database built from
the demo deliveries; plus the plausibility the reports imply (distinct items, routing).

Beside tests/test_published_figures.py (the printed numbers): both must pass on raw/.
"""
from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from eenzaamheid import codebook as cb

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_FILE = ROOT / "scripts" / "demo_claims.yaml"
CLAIMS = yaml.safe_load(CLAIMS_FILE.read_text(encoding="utf-8"))
SOURCES = {"R2024": "000_e8349d0f21f305ca.txt", "R2023": "001_abfaa03bcb8d08fd.txt"}
POPULATIONS = {"alle": "1", "vast": "i.telt_in_vast_panel_2022_2024 = 1", "groep": "i.telt_in_groep_2022_2023 = 1"}


def round_half_up(x: float) -> int:
    return int(x + 0.5)


class Data:
    """Shares, texts and participation read from the built SQLite database."""

    def __init__(self, db: Path):
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.book = cb.load()
        self.cache: dict[str, float] = {}

    def rows(self, sql: str, *args) -> list[tuple]:
        return self.con.execute(sql, args).fetchall()

    def share(self, term: str) -> float:
        if term not in self.cache:
            self.cache[term] = self._share(term)
        return self.cache[term]

    def _share(self, term: str) -> float:
        year, pop, question, options = term.split(" ", 3)
        vraag, _, item = question.partition(".")
        where = f"i.status = 'geaccepteerd' AND i.jaar = ? AND {POPULATIONS[pop]}"
        join = "FROM antwoorden a JOIN inzendingen i USING (inzending_id)"
        if self.book.questions[vraag]["type"] == "meervoudig":
            base = self.rows(f"SELECT COUNT(DISTINCT a.inzending_id) {join} WHERE {where} AND a.vraag_id = ?",
                             int(year), vraag)[0][0]
            count = self.rows(f"SELECT COUNT(*) {join} WHERE {where} AND a.vraag_id = ? AND a.item_code = ?",
                              int(year), vraag, item)[0][0]
        else:
            codes = options.split(",")
            if len(codes) == 1:
                codes = list(self.book.option_group(vraag, codes[0]))
            answers = Counter(dict(self.rows(
                f"SELECT a.optie_code, COUNT(*) {join} WHERE {where} AND a.vraag_id = ? AND a.item_code = ? "
                "GROUP BY a.optie_code", int(year), vraag, item)))
            base, count = sum(answers.values()), sum(answers[c] for c in codes)
        assert base, f"{term}: nobody answered"
        return 100 * count / base

    def texts(self, year: int, vraag: str) -> list[str]:
        return [t for (t,) in self.rows("SELECT tekst FROM toelichtingen WHERE jaar = ? AND vraag_id = ?", year, vraag)]

    def respondents(self, year: int) -> int:
        return self.rows("SELECT COUNT(*) FROM inzendingen WHERE jaar = ? AND status = 'geaccepteerd'", year)[0][0]

    def province_response(self, year: int) -> dict[str, tuple[int, int]]:
        """Province -> (municipalities that took part, municipalities), on the successor codes."""
        out = {}
        for prov, took_part, size in self.rows(
                "SELECT g.provincie, SUM(d.deelgenomen), COUNT(*) FROM deelname d JOIN gemeenten g USING (gemeente_code) "
                "WHERE d.jaar = ? GROUP BY g.provincie", year):
            out[prov] = (took_part, size)
        return out

    def matrix_answers(self, year: int, vraag: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for sub, item, code in self.rows(
                "SELECT a.inzending_id, a.item_code, a.optie_code FROM antwoorden a JOIN inzendingen i USING (inzending_id) "
                "WHERE i.status = 'geaccepteerd' AND a.jaar = ? AND a.vraag_id = ?", year, vraag):
            out[sub][item] = code
        return out


def evaluate(toets: dict, data: Data) -> tuple[bool, str]:
    """Does the data meet the claim's reading? Returns (holds, what was measured)."""
    kind, s = toets["soort"], data.share
    if kind == "aandeel":
        v = [s(t) for t in toets.get("termen", [toets.get("term")])]
        return all(toets.get("min", -1) <= x <= toets.get("max", 101) for x in v), f"{[round(x, 1) for x in v]}%"
    if kind == "hoger":
        high, low = [s(t) for t in toets["hoog"]], [s(t) for t in toets["laag"]]
        ok = all(h > lo for h in high for lo in low)
        ok &= all(h >= toets.get("min", -1) for h in high) and all(lo <= toets.get("max_laag", 101) for lo in low)
        return ok, f"hoog {[round(h, 1) for h in high]}, laag {[round(lo, 1) for lo in low]}"
    if kind in ("stijgend", "dalend"):
        v = [s(t) for t in toets["termen"]]
        pairs = list(zip(v, v[1:]))
        ok = all(b > a for a, b in pairs) if kind == "stijgend" else all(b < a for a, b in pairs)
        return ok, str([round(x, 1) for x in v])
    if kind == "stabiel":
        v = [round_half_up(s(t)) for t in toets["termen"]]
        return max(v) - min(v) <= toets["marge"], f"afgerond {v}"
    if kind == "verschil":
        d = [s(b) - s(a) for a, b in toets["paren"]]
        return all(toets.get("min", -101) <= x <= toets.get("max", 101) for x in d), f"verschillen {[round(x, 1) for x in d]}"
    if kind == "zelfde_verschil":
        da, db = (s(t[1]) - s(t[0]) for t in (toets["a"], toets["b"]))
        return abs(da - db) <= toets["marge"], f"{da:.1f} tegen {db:.1f}"
    if kind == "het_vaakst":
        items = [i["item_code"] for i in data.book.questions[toets["vraag"]]["items"]]
        bad = []
        for year in toets["jaren"]:
            asked = {c.item_code for c in data.book.answer_columns(year) if c.vraag_id == toets["vraag"]}
            top = s(f"{year} alle {toets['vraag']}.{toets['item']} gekozen")
            bad += [f"{year} {i}" for i in items if i in asked and i != toets["item"]
                    and s(f"{year} alle {toets['vraag']}.{i} gekozen") >= top]
        return not bad, f"even vaak of vaker: {bad}"
    if kind == "exclusief":
        bad = []
        for year in toets["jaren"]:
            for sub, items in data.matrix_answers(year, toets["vraag"]).items():
                others = [v for k, v in items.items() if k != toets["item"]]
                if (items.get(toets["item"]) == "ja") == ("ja" in others):
                    bad.append(f"{year} {sub}")
        return not bad, f"{len(bad)} inzendingen in strijd: {bad[:5]}"
    if kind == "lage_respons":
        per = data.province_response(toets["jaar"])
        national = 100 * sum(p for p, _ in per.values()) / sum(n for _, n in per.values())
        rates = {prov: 100 * per[prov][0] / per[prov][1] for prov in toets["provincies"]}
        return all(r <= national - toets["marge"] for r in rates.values()), \
            f"landelijk {national:.1f}%, {({k: round(v, 1) for k, v in rates.items()})}"
    if kind == "laagste_respons":
        rate = {prov: 100 * took_part / size for prov, (took_part, size) in data.province_response(toets["jaar"]).items()}
        named = [rate[p] for p in toets["provincies"]]
        others = [r for p, r in rate.items() if p not in toets["provincies"]]
        return max(named) < min(others), f"genoemd {[round(r, 1) for r in named]}, overige vanaf {min(others):.1f}"
    if kind == "verspreid":
        per = data.province_response(toets["jaar"])
        empty = [p for p, (took_part, _) in per.items() if not took_part]
        return len(per) == 12 and not empty, f"zonder deelnemers: {empty}"
    if kind == "tekst":
        texts = [t.casefold() for t in data.texts(toets["jaar"], toets["vraag"])]
        terms = toets["zoekterm"] if isinstance(toets["zoekterm"], list) else [toets["zoekterm"]]
        hits = {t: sum(t in x for x in texts) for t in terms + toets.get("vaker_dan", [])}
        ok = all(hits[t] >= toets.get("min", 1) for t in terms)
        ok &= all(100 * hits[t] / data.respondents(toets["jaar"]) <= toets.get("max_aandeel", 100) for t in terms)
        ok &= all(hits[t] > hits[o] for t in terms for o in toets.get("vaker_dan", []))
        return ok, f"treffers {hits}"
    raise AssertionError(f"onbekende soort toets: {kind}")


@pytest.fixture(scope="module")
def data(demo_build) -> Data:
    assert demo_build.returncode == 0, demo_build.stdout[-2000:] + demo_build.stderr[-3000:]
    return Data(demo_build.out / "benchmark.db")


def test_claims_file_is_complete_and_quotes_the_reports():
    claims = CLAIMS["claims"]
    assert len({c["id"] for c in claims}) == len(claims), "claim ids must be unique"
    assert {c["bron"] for c in claims} == set(SOURCES), "both reports are covered"
    book = cb.load()
    for c in claims:
        assert c["status"] in ("gehonoreerd", "getal_wint", "niet_toetsbaar"), c["id"]
        assert c["citaat"] and c["lezing"] and isinstance(c["regel"], int), c["id"]
        assert ("toets" in c) == (c["status"] != "niet_toetsbaar"), f"{c['id']}: a checkable claim needs a toets"
        for term in re.findall(r"\b20\d\d (?:alle|vast|groep) [a-z_]+(?:\.[a-z_]+)?", str(c.get("toets", ""))):
            vraag = term.split(" ")[2].split(".")[0]
            assert vraag in book.questions, f"{c['id']}: {vraag} is not in the codebook"


@pytest.mark.parametrize("claim", [c for c in CLAIMS["claims"] if "toets" in c], ids=lambda c: c["id"])
def test_claim_holds_on_the_built_data(data, claim):
    holds, measured = evaluate(claim["toets"], data)
    if claim["status"] == "getal_wint":
        assert not holds, f"{claim['id']} is marked 'getal_wint' but the data meet the word's reading: {measured}"
        return
    assert holds, f"{claim['id']} {claim['citaat']!r} ({claim['lezing']}): gemeten {measured}"


def test_no_two_items_share_a_distribution_unless_printed_so(data):
    allowed = {(e["jaar"], e["vraag"], frozenset(e["items"])) for e in CLAIMS["identiek_gedrukt"]}
    rows = data.rows("SELECT a.jaar, a.vraag_id, a.item_code, a.optie_code, COUNT(*) FROM antwoorden a "
                     "JOIN inzendingen i USING (inzending_id) WHERE i.status = 'geaccepteerd' AND a.item_code != '' "
                     "GROUP BY 1, 2, 3, 4")
    dist: dict[tuple, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for year, vraag, item, code, n in rows:
        dist[(year, vraag)][item][code] = n
    same = []
    for (year, vraag), items in sorted(dist.items()):
        by_counts = defaultdict(list)
        for item, counts in items.items():
            by_counts[tuple(sorted(counts.items()))].append(item)
        same += [(year, vraag, tuple(sorted(group))) for group in by_counts.values()
                 if len(group) > 1 and (year, vraag, frozenset(group)) not in allowed]
    assert not same, f"items with identical distributions the reports do not print: {same}"


def test_routed_questions_are_only_answered_by_those_routed_to_them(data):
    book = data.book
    bad = []
    for vraag, q in book.questions.items():
        cond = q.get("alleen_als")
        if not cond:
            continue
        allowed = set(cond.get("opties") or book.option_group(cond["vraag_id"], cond["groep"]))
        for year in book.years_asked(vraag):
            gate = dict(data.rows("SELECT inzending_id, optie_code FROM antwoorden WHERE jaar = ? AND vraag_id = ?",
                                  year, cond["vraag_id"]))
            for (sub,) in data.rows("SELECT DISTINCT inzending_id FROM antwoorden WHERE jaar = ? AND vraag_id = ?", year, vraag):
                if gate.get(sub) not in allowed:
                    bad.append((year, vraag, sub, gate.get(sub)))
    assert not bad, f"answers behind a routing that was not passed: {bad[:5]}"


def test_quotes_are_in_the_source_documents():
    """Each quote's first words stand in the report near the line given (OCR text, so loosely)."""
    folder = ROOT / "reference" / "rapporten"
    if not folder.exists():
        pytest.skip("the source documents are not copied into the project")
    for c in CLAIMS["claims"]:
        lines = (folder / SOURCES[c["bron"]]).read_text(encoding="utf-8").splitlines()
        near = " ".join(lines[max(0, c["regel"] - 12): c["regel"] + 12]).casefold()
        words = [w for w in re.findall(r"\w{4,}", c["citaat"].casefold())]
        missing = [w for w in words if w not in near]
        assert len(missing) <= len(words) // 4, f"{c['id']}: {missing} not near line {c['regel']}"

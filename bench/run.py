"""Benchmarks: median wall time and peak memory of the steward's and the build's commands.

Writes bench/RESULTS.md. Run with `make bench` (not part of the tests: timings are measured
here, never asserted in tests). Each measurement runs the real command in a fresh process.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EENZAAMHEID = str(BIN / "eenzaamheid")
FRICTIONLESS = str(BIN / "frictionless")
GATE_HEADING = "## De kwaliteitspoort (Great Expectations)"
OWN_SECTIONS = ("De kwaliteitspoort",)  # sections this script writes; the others are kept


# stress deliveries: (repeat factor, rows kept or None for all); the 50,000 rows as issue 23 measured them
STRESS = ((10, None), (30, None), (100, None), (300, None), (319, 50_000))
STRESS_TARGETS = {100: "≤ 20 s, ≤ 1 GB", 300: "≤ 60 s, ≤ 2 GB", 50_000: "lineair (≈ 318×): ≤ 64 s, ≤ 2 GB"}


def measure(cmd: list[str], runs: int, before=None) -> dict:
    """Median wall time (s) and the largest peak RSS (MiB) over `runs` runs of `cmd`; `before()`
    (untimed) before each run."""
    times, peaks = [], []
    for _ in range(runs):
        if before is not None:
            before()
        probe = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
                 "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
                 "print(json.dumps({'s': time.perf_counter() - t, 'rc': rc, "
                 "'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
        out = json.loads(subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True,
                                        cwd=ROOT, check=True).stdout)
        times.append(out["s"])
        peaks.append(out["kb"] / 1024)
    return {"mediaan_s": statistics.median(times), "piek_mib": max(peaks), "runs": runs, "rc": out["rc"]}


GATE_ANALYSIS = """\
**Waar de tijd zat (vóór, gemeten met cProfile en SQLAlchemy-events op de demobuild).** De oude poort draaide 332 \
expectations in 20 suites: `quality.run` 6,8 s, waarvan 2,5 s SQL (912 statements) en ~4,3 s het eigen werk van \
Great Expectations per expectation (per expectation een graaf van metrics met ~110 `configuration`-kopieën via \
pydantic: ~13 ms per expectation, ook als de query 1 ms duurt). Van de SQL ging het meeste naar twee zware views \
(`aandelen` 0,45 s en `vraag_trend` 0,55 s per keer), die GE per suite meermaals las: verbindingstest, aantal rijen, \
elke expectation, een UnexpectedRowsExpectation twee keer. Importeren van GE: 3,5 s in een leeg proces, ~2,0 s na \
pandas en SQLAlchemy (de build laadt SQLAlchemy niet zelf: daar ~2,6 s).

**Wat er veranderde.** (1) De 319 gegenereerde controles (codeboek en schema) draaien per tabel als één \
UnexpectedRowsExpectation: één query met UNION ALL, waarin de codeboekregels (optie geldig voor vraag en jaar, item \
in de vragenlijst, vraag alleen in gevraagde jaren, vraag bekend, geen item bij vragen zonder items) één join zijn \
met VALUES-tabellen uit het codeboek, en elke afwijkende rij zijn `controle_id` draagt (`eenzaamheid/quality/families.py`). \
Elke controle houdt haar eigen rij in `kwaliteitscontroles` en `kwaliteitsresultaten`, met dezelfde ernst, \
afwijkende rijen en waargenomen waarden (naast elkaar vergeleken voor de demobuild en alle geplante fouten). \
(2) De 13 controles van de databeheerder draaien zoals geschreven, elk als eigen GE-expectation. (3) Elke view die \
een controle leest, wordt één keer berekend in een TEMP-tabel met dezelfde naam op GE's enige (alleen-lezen) \
verbinding. (4) De build importeert GE in een tweede proces terwijl hij opschoont en laadt \
(`eenzaamheid/quality/worker.py`); op een vrije tweede kern valt de import dan weg uit de wandkloktijd.

**Buiten GE, in gewone SQL op dezelfde alleen-lezen verbinding:** het voorbereiden van elke deelquery (kolomnamen; \
een ontbrekende tabel of kolom laat precies de controles die hem nodig hebben falen, met de reden) en de noemers \
(hoeveel rijen een controle toetste en hoeveel daarvan leeg waren: één GROUP BY per familie). Dat zijn geen \
controles maar tellingen; een UnexpectedRowsExpectation geeft alleen de afwijkende rijen. GE blijft de motor: na de \
omzetting draait hij 28 expectations in 20 suites (gemeten ~10 ms eigen werk per suite met één expectation); wat \
overblijft is vooral SQL die elke motor moet doen. Zonder GE zou alleen de import (~2 s) wegvallen, en die valt in \
de build al samen met het opschonen.

**Bewuste verschillen.** `afwijkende_waarden` telt nu over alle afwijkende rijen (GE telde alleen de eerste 200); \
bij een ontbrekende tabel staat in `waargenomen.fout` SQLite's melding (`no such table: …`) in plaats van GE's \
TestConnectionError; de twee routeringsquery's (`codeboek.overslaan.*`) zijn herschreven van een gecorreleerde \
NOT EXISTS naar één verzameling (zelfde rijen, snel ook zonder index). De geplante gevallen in \
tests/test_quality.py duren nu ~1,5 s per geval in plaats van 7–12 s.

**Daarna (build ≤ 6 s).** Een tijdlijn van één build (wandklok per stap in elk proces) liet zien waar de build \
wachtte, niet waar hij rekende. (1) Het proces van de poort deed ná zijn antwoord nog ~1 s over het afsluiten van \
een interpreter met GE: de hulpprocessen stoppen nu met `os._exit` zodra hun antwoord is verstuurd. (2) De view-thread \
schreef in een gedeelde in-memory database die al aan GE's verbinding hing: elke query van de poort wachtte op diens \
schemaslot (`prepare` 0,43 s wachten); de database wordt nu pas na het schrijven gekoppeld. (3) GE importeert bij \
het opstarten scipy.stats en altair voor een expectation die de poort nooit draait (KL-divergentie, ~1 s van de \
import): die laden nu pas bij het eerste gebruik (`engine.LAZY_MODULES`; een test faalt als GE ze bij de import al \
gebruikt). (4) De codeboekcontroles joinen geïndexeerde TEMP-tabellen in plaats van VALUES-lijsten (SQLite las per \
vraag een heel jaar antwoorden). (5) De diff met de live publicatie en daarna de exports draaien in een derde proces \
zonder GE, naast het laden van de database; een herbouw waarvan de tabellen de vingerafdruk hebben die de live \
database vastlegde (`build.vingerafdruk_tabellen`), neemt het wijzigingenverslag over zonder de volledige diff. \
(6) Geen VACUUM meer na het laden (de database wordt in één transactie geschreven, zonder vrije pagina's; VACUUM \
maakte hem 1,5 MB groter), één YAML-lezer (libyaml) voor alle projectbestanden, en de Excel-bestanden met \
XlsxWriter (de helft van de CPU van openpyxl, dezelfde cellen). (7) De 14 tabellen met alleen gegenereerde \
controles draaien als één UnexpectedRowsExpectation in één validatie (GE's eigen werk per validatie, ~10–15 ms, \
woog zwaarder dan hun SQL). (8) De garbage collector draait in de build en zijn hulpprocessen om de 50.000 \
nieuwe objecten in plaats van 700 (`eenzaamheid/gcpolicy.py`): hij liep ~580 keer per build, samen ~0,5 s, bijna zonder afval. De uitkomsten van alle controles zijn na elke stap vergeleken: gelijk.

Tijden wisselen sterk met de belasting van de machine: meet op een rustige machine (geen andere builds of \
tests tegelijk). Bij de omzetting was de CPU-tijd van `quality.run` ~1,3 s, waarvan ~0,8 s de twee views; sindsdien \
kwamen er tabellen en dus controles bij (zie het aantal hierboven)."""


GATE_PROBE = """
import json, os, sys, time
os.environ["GX_ANALYTICS_ENABLED"] = "false"
import pandas, sqlalchemy  # the build has these already when it reaches the gate
from eenzaamheid import quality
from eenzaamheid.quality import engine
t0 = time.perf_counter()
engine._gx()  # as the build imports it (scipy.stats and altair on first use)
t1 = time.perf_counter()
result = quality.run(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "gate": t2 - t1, "controles": len(result.controles)}))
"""


def measure_gate(db: Path, runs: int) -> dict:
    """The quality gate on a built database, each run in a fresh process: the marginal import of
    Great Expectations (after pandas and SQLAlchemy, which the build imports anyway) and then
    quality.run itself (medians)."""
    outs = [json.loads(subprocess.run([sys.executable, "-c", GATE_PROBE, str(db)], capture_output=True, text=True,
                                      cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout)
            for _ in range(runs)]
    return {"import_s": statistics.median(o["import"] for o in outs), "gate_s": statistics.median(o["gate"] for o in outs),
            "controles": outs[0]["controles"], "runs": runs}


def _forget_fingerprint(db: Path) -> None:
    """The live publication as if built from other data: the next build runs the full diff."""
    from eenzaamheid.changes.changes import FINGERPRINT_KEY

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE build SET waarde = 'anders' WHERE sleutel = ?", (FINGERPRINT_KEY,))
    conn.close()


def checked_rows(ours_cmd: list[str], theirs_cmd: list[str]) -> tuple[str, str]:
    """How many rows each tool really checked (one extra, untimed run with JSON output): the
    comparison only holds when frictionless validated every row, not up to an error limit."""
    ours = json.loads(subprocess.run(ours_cmd + ["--format", "json"], capture_output=True, text=True, cwd=ROOT).stdout)
    rows = sum(f["rijen_geleverd"] for f in ours["bestanden"])
    theirs = json.loads(subprocess.run(theirs_cmd + ["--json"], capture_output=True, text=True, cwd=ROOT).stdout)
    stats = theirs["tasks"][0]["stats"]
    limit = " (foutlimiet bereikt!)" if theirs.get("warnings") or theirs["tasks"][0].get("warnings") else ""
    return (f"{rows} rijen, {len(ours['problemen'])} problemen",
            f"{stats['rows']} rijen, {stats['errors']} fouten{limit}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--stress-runs", type=int, default=3)
    args = p.parse_args()
    # The package's bytecode, as an installed package has it: with PYTHONDONTWRITEBYTECODE set (as on
    # this machine) every measured command would otherwise compile the project's modules again (~0.2 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "eenzaamheid")], check=True)
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    results: list[tuple[str, str, dict, str]] = []
    try:
        gen = [sys.executable, str(ROOT / "scripts" / "generate_demo_deliveries.py")]
        year_csv = next((ROOT / "raw" / "2024").glob("*.csv"))
        year_xlsx = next((ROOT / "raw" / "2023").glob("*.xlsx"))
        results.append(("validate één jaar (2024, csv, 157 rijen)", "< 1 s",
                        measure([EENZAAMHEID, "validate", str(year_csv)], args.runs), ""))
        results.append(("validate één jaar (2023, xlsx, 175 rijen)", "< 1 s",
                        measure([EENZAAMHEID, "validate", str(year_xlsx)], args.runs), ""))
        # three builds a steward meets: the first publication into an empty folder; a rebuild over the
        # live publication with other data (a new delivery: the full diff); a rebuild of the same
        # data (its fingerprint equals the live database's: the change record is carried over)
        build = [EENZAAMHEID, "build", "--allow-quarantine", "--uit", str(work / "clean")]
        results.append(("volledige build (6 jaren), eerste publicatie", "≤ 6 s",
                        measure(build, args.runs, before=lambda: shutil.rmtree(work / "clean", ignore_errors=True)), ""))
        results.append(("volledige build (6 jaren) over een publicatie met andere data", "≤ 6 s",
                        measure(build, args.runs, before=lambda: _forget_fingerprint(work / "clean" / "benchmark.db")),
                        "de volledige diff met de live publicatie"))
        results.append(("volledige build (6 jaren) over dezelfde data", "≤ 6 s", measure(build, args.runs),
                        "vingerafdruk gelijk: geen diff"))
        gate = measure_gate(work / "clean" / "benchmark.db", args.runs)
        scaled = {}
        for k, rows in STRESS:
            raw = work / f"raw_x{k}_{rows or 157 * k}"
            subprocess.run(gen + ["--schaal", str(k), "--jaar", "2024", "--uit", str(raw)]
                           + (["--rijen", str(rows)] if rows else []), check=True, stdout=subprocess.DEVNULL)
            measured = measure([EENZAAMHEID, "build", "--allow-quarantine", "--raw", str(raw),
                                "--uit", str(work / f"clean_x{k}")], args.stress_runs)
            shutil.rmtree(work / f"clean_x{k}", ignore_errors=True)  # gigabytes of exports at 300x
            if rows:
                results.append((f"build stresslevering van {rows} rijen (2024, {k}× herhaald, afgekapt: "
                                 "bijna alles dubbel)", STRESS_TARGETS.get(rows, "lineair"), measured, ""))
            else:
                scaled[k] = measured
                results.append((f"build stresslevering {k}× (2024, {157 * k} rijen)", STRESS_TARGETS.get(k, "lineair"),
                                measured, ""))
        stress = next((work / "raw_x100_15700" / "2024").glob("*.csv"))
        ours_cmd = [EENZAAMHEID, "validate", str(stress)]
        theirs_cmd = [FRICTIONLESS, "validate", str(stress), "--schema", str(ROOT / "schemas" / "raw" / "2024.yaml"),
                      "--encoding", "cp1252", "--dialect", json.dumps({"csv": {"delimiter": ";"}}), "--trusted"]
        ours = measure(ours_cmd, args.stress_runs)
        theirs = measure(theirs_cmd, args.stress_runs)
        ours_rows, theirs_rows = checked_rows(ours_cmd, theirs_cmd)
        results.append(("eenzaamheid validate, stresslevering 100×", "≥ 5× sneller dan frictionless", ours,
                        f"{theirs['mediaan_s'] / ours['mediaan_s']:.1f}× sneller; {ours_rows}"))
        results.append(("frictionless validate, stresslevering 100×", "referentie", theirs, theirs_rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    per_row = {k: v["mediaan_s"] / k for k, v in scaled.items()}
    lines = [
        "# Benchmarks",
        "",
        f"Gemeten met `python bench/run.py` op {platform.node() and 'deze machine'}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.machine()}. Mediaan van de wandkloktijd van het hele "
        "commando (inclusief het opstarten van Python), piekgeheugen (max RSS) van het proces.",
        "",
        "| meting | doel | mediaan (s) | piekgeheugen (MiB) | runs | opmerking |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, target, r, note in results:
        lines.append(f"| {name} | {target} | {r['mediaan_s']:.2f} | {r['piek_mib']:.0f} | {r['runs']} | {note} |")
    lines += ["", "Groei van de build met de omvang (seconden per schaalfactor, moet ongeveer gelijk blijven bij "
              "lineaire kosten; de vaste opstart weegt bij 10× zwaarder):", ""]
    lines += [f"- {k}×: {v['mediaan_s']:.2f} s totaal, {per_row[k]:.3f} s per 157 rijen" for k, v in scaled.items()]
    build_s = max(r["mediaan_s"] for name, _, r, _ in results if name.startswith("volledige build"))
    lines += ["", GATE_HEADING, "",
              f"`quality.run` op de volledige demobuild ({gate['controles']} controles), elke run in een nieuw proces, "
              f"mediaan van {gate['runs']} runs. Doel: de build ≤ 6 s en de poort ≤ 1,5 s bovenop het importeren van "
              "Great Expectations.", "",
              "| meting | doel | mediaan (s) |", "|---|---|---:|",
              f"| volledige build (6 jaren), inclusief de poort (de traagste van de drie hierboven) | ≤ 6 s | {build_s:.2f} |",
              f"| importeren van Great Expectations (na pandas en SQLAlchemy) | | {gate['import_s']:.2f} |",
              f"| de poort zelf (`quality.run`, zonder import) | ≤ 1,5 s | {gate['gate_s']:.2f} |"]
    lines += ["", GATE_ANALYSIS]
    # other sections (bench/serve.py's) stay as they are
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [s for s in re.split(r"\n(?=## )", old)[1:] if not s.startswith(tuple("## " + h for h in OWN_SECTIONS))]
    path.write_text("\n".join(lines) + "\n" + "".join("\n" + s.rstrip("\n") + "\n" for s in kept), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

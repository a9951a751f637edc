"""Load test of the published site: a real Datasette on loopback, hit with wrk, no cache in front.

Measures requests per second and the 99th-percentile latency per endpoint (home page, a table
page, a municipality page, a question page, the map and every canned query) and writes the
section "Datasette onder belasting" of bench/RESULTS.md. Needs wrk (Debian package `wrk`;
`make bench` installs it when missing). Target: >= 200 req/s with p99 < 250 ms per endpoint.
"""
from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eenzaamheid.serve import default_workers  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Datasette onder belasting"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoints(base: str) -> dict[str, str]:
    meta = httpx.get(f"{base}/-/metadata.json").json()
    queries = meta["databases"]["benchmark"].get("queries", {})
    params = {"gemeente_naast_provincie_en_land": "?gemeente=GM0518&jaar=2024", "vraag_door_de_jaren": "?vraag_id=meldpunt",
              "zoek_in_toelichtingen": "?zoekterm=GGD"}
    out = {"home": "/", "tabel inzendingen": "/benchmark/inzendingen", "gemeentepagina": "/gemeente/GM0518",
           "vraagpagina": "/vraag/instrumenten", "kaart": "/kaart?jaar=2024"}
    for name in queries:
        out[f"query {name}"] = f"/benchmark/{name}{params.get(name, '')}"
    # follow redirects once (hashed URLs) so wrk measures the page itself
    resolved = {}
    for name, path in out.items():
        r = httpx.get(base + path, follow_redirects=True, timeout=30)
        r.raise_for_status()
        resolved[name] = str(r.url)
    return resolved


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout

    def ms(text: str) -> float:
        m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        if m is None:
            raise ValueError(f"cannot read wrk's latency {text!r} in:\n{out}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
    p99 = ms(re.search(r"99%\s+(\S+)", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99, "fouten": int(errors.group(1)) if errors else 0}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3, help="runs per endpoint, in rounds; the median is reported "
                                                        "(this machine's speed varies by tens of percents)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=default_workers(), help="server processes (as `eenzaamheid serve`)")
    args = p.parse_args()
    port = free_port()
    # exactly what `make serve` runs
    proc = subprocess.Popen([str(Path(sys.executable).with_name("eenzaamheid")), "serve", "--port", str(port),
                             "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        urls = endpoints(base)
        runs: dict[str, list[dict]] = {name: [] for name in urls}
        for _ in range(args.repeats):  # rounds, so a slow spell of the machine hits every endpoint alike
            for name, url in urls.items():
                runs[name].append(wrk(url, args.seconds, args.connections))
        rows = []
        for name, found in runs.items():
            rps = statistics.median(r["rps"] for r in found)
            p99 = statistics.median(r["p99_ms"] for r in found)
            errors = sum(r["fouten"] for r in found)
            ok = rps >= 200 and p99 < 250 and errors == 0
            spread = f"{min(r['rps'] for r in found):.0f}–{max(r['rps'] for r in found):.0f}"
            rows.append(f"| {name} | {rps:.0f} | {spread} | {p99:.0f} | {errors} | {'ja' if ok else 'nee'} |")
            print(rows[-1], flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    section = [SECTION, "",
               f"`python bench/serve.py`: wrk, 2 threads, {args.connections} verbindingen, {args.repeats}× "
               f"{args.seconds} s per endpoint (mediaan; spreiding van req/s over de runs), "
               f"tegen `eenzaamheid serve --workers {args.workers}` op 127.0.0.1 (immutable, zonder cache ervoor), "
               "op dezelfde 2-core machine (wrk gebruikt daar zelf ook CPU). "
               "Doel: ≥ 200 req/s en p99 < 250 ms per endpoint.", "",
               "| endpoint | req/s | spreiding req/s | p99 (ms) | fouten | doel gehaald |",
               "|---|---:|---:|---:|---:|---|", *rows, ""]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    text = re.sub(rf"\n{re.escape(SECTION)}.*", "", text, flags=re.S).rstrip("\n") + "\n\n" + "\n".join(section)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

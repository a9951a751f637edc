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
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    p99 = ms(re.search(r"99%\s+(\S+)", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99, "fouten": int(errors.group(1)) if errors else 0}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=10)
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
        rows = []
        for name, url in endpoints(base).items():
            r = wrk(url, args.seconds, args.connections)
            ok = r["rps"] >= 200 and r["p99_ms"] < 250 and r["fouten"] == 0
            rows.append(f"| {name} | {r['rps']:.0f} | {r['p99_ms']:.0f} | {r['fouten']} | {'ja' if ok else 'nee'} |")
            print(rows[-1], flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    section = [SECTION, "",
               f"`python bench/serve.py`: wrk, 2 threads, {args.connections} verbindingen, {args.seconds} s per endpoint, "
               f"tegen `eenzaamheid serve --workers {args.workers}` op 127.0.0.1 (immutable, zonder cache ervoor), "
               "op dezelfde 2-core machine (wrk gebruikt daar zelf ook CPU). "
               "Doel: ≥ 200 req/s en p99 < 250 ms per endpoint.", "",
               "| endpoint | req/s | p99 (ms) | fouten | doel gehaald |", "|---|---:|---:|---:|---|", *rows, ""]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    text = re.sub(rf"\n{re.escape(SECTION)}.*", "", text, flags=re.S).rstrip("\n") + "\n\n" + "\n".join(section)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

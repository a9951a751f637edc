"""Load test of the published site: a real Datasette on loopback, hit with wrk, without and with
the caching front (deploy/nginx.conf.template, nginx) before it.

Measures requests per second and the 99th-percentile latency per endpoint (home page, a table
page, a municipality page, a question page, the map and every canned query), first straight
from Datasette (uncached), then through nginx with a warm cache (the browser's
`Accept-Encoding: gzip`), and writes the section "Datasette onder belasting" of
bench/RESULTS.md. Needs wrk and nginx (Debian packages `wrk`, `nginx-light`; `make bench` and
`make system-deps` install them). Targets: behind the front >= 5,000 req/s with p99 < 50 ms on
every endpoint; uncached >= 100 req/s with p99 < 500 ms on the heaviest table page (tabel
inzendingen), >= 200 req/s on the rest.
"""
from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eenzaamheid.site import front  # noqa: E402
from eenzaamheid.site.serve import default_workers  # noqa: E402
from results import write_section  # noqa: E402 - bench/results.py, beside this script

SECTION = "## Datasette onder belasting"
HEAVIEST = "tabel inzendingen"
GZIP = ["-H", "Accept-Encoding: gzip"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoints(base: str) -> dict[str, str]:
    meta = httpx.get(f"{base}/-/metadata.json").json()
    queries = meta["databases"]["benchmark"].get("queries", {})
    params = {"gemeente_naast_provincie_en_land": "?gemeente=GM0518&jaar=2024", "vraag_door_de_jaren": "?vraag_id=meldpunt",
              "zoek_in_toelichtingen": "?zoekterm=GGD"}
    out = {"home": "/", "tabel inzendingen": "/benchmark/inzendingen",
           "tabel deelname_per_gemeente": "/benchmark/deelname_per_gemeente",
           "tabel gepubliceerd_naast_berekend": "/benchmark/gepubliceerd_naast_berekend", "gemeentepagina": "/gemeente/GM0518",
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


def wrk(url: str, seconds: int, connections: int, extra: list[str] = ()) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout

    def ms(text: str) -> float:
        m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        if m is None:
            raise ValueError(f"cannot read wrk's latency {text!r} in:\n{out}")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
    p99 = ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # the line, not "73.99%" in Stdev
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99, "fouten": int(errors.group(1)) if errors else 0}


def uncached_ok(name: str, rps: float, p99: float) -> bool:
    return rps >= 100 and p99 < 500 if name == HEAVIEST else rps >= 200


def front_ok(rps: float, p99: float) -> bool:
    return rps >= 5000 and p99 < 50


def measure(urls: dict[str, str], args, extra: list[str] = ()) -> dict[str, dict]:
    # warm every server process first (each compiles its templates and reads the schema on first
    # use, and the kernel hands a process only some of the connections), outside the measurement
    for url in urls.values():
        wrk(url, 1, args.connections, extra)
    runs: dict[str, list[dict]] = {name: [] for name in urls}
    for _ in range(args.repeats):  # rounds, so a slow spell of the machine hits every endpoint alike
        for name, url in urls.items():
            runs[name].append(wrk(url, args.seconds, args.connections, extra))
    return {name: {"rps": statistics.median(r["rps"] for r in found),
                   "p99_ms": statistics.median(r["p99_ms"] for r in found),
                   "spread": f"{min(r['rps'] for r in found):.0f}–{max(r['rps'] for r in found):.0f}",
                   "fouten": sum(r["fouten"] for r in found)} for name, found in runs.items()}


def warm(urls: dict[str, str]) -> dict[str, str]:
    """Ask each page through the front until the cache has it; return its X-Cache."""
    found = {}
    for name, url in urls.items():
        for _ in range(3):
            found[name] = httpx.get(url, headers={"accept-encoding": "gzip"}, timeout=30).headers.get("x-cache", "")
            if found[name] == "HIT":
                break
    return found


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3, help="runs per endpoint, in rounds; the median is reported "
                                                        "(this machine's speed varies by tens of percents)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=default_workers(), help="server processes (as `eenzaamheid serve`)")
    p.add_argument("--db", type=Path, help="the database to serve (default clean/benchmark.db, as `make serve`)")
    args = p.parse_args()
    if front.find_nginx() is None:
        print("nginx ontbreekt: installeer nginx-light (`make system-deps`).", file=sys.stderr)
        return 2
    port, front_port = free_port(), free_port()
    # exactly what `make serve` runs; the front as `make serve-public` renders it
    proc = subprocess.Popen([str(Path(sys.executable).with_name("eenzaamheid")), "serve", "--port", str(port),
                             "--workers", str(args.workers), *(["--db", str(args.db)] if args.db else [])], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        urls = endpoints(base)
        uncached = measure(urls, args)
        with tempfile.TemporaryDirectory(prefix="bench-front-") as prefix, \
                front.running_nginx(Path(prefix), front_port, [f"127.0.0.1:{port}"]):
            front_urls = {name: url.replace(base, f"http://127.0.0.1:{front_port}", 1) for name, url in urls.items()}
            cache_status = warm(front_urls)
            cached = measure(front_urls, args, GZIP)
    finally:
        proc.terminate()
        proc.wait(10)
    rows = []
    for name in urls:
        u, c = uncached[name], cached[name]
        rows.append(f"| {name} | {u['rps']:.0f} | {u['spread']} | {u['p99_ms']:.0f} | {u['fouten']} | "
                    f"{'ja' if uncached_ok(name, u['rps'], u['p99_ms']) and not u['fouten'] else 'nee'} | "
                    f"{cache_status[name]} | {c['rps']:.0f} | {c['spread']} | {c['p99_ms']:.1f} | {c['fouten']} | "
                    f"{'ja' if front_ok(c['rps'], c['p99_ms']) and not c['fouten'] else 'nee'} |")
        print(rows[-1], flush=True)
    section = [SECTION, "",
               f"`python bench/serve.py` (`make bench`): wrk, 2 threads, {args.connections} verbindingen, "
               f"{args.repeats}× {args.seconds} s per endpoint (mediaan; spreiding van req/s over de runs). "
               f"*Zonder cache*: rechtstreeks tegen `eenzaamheid serve --workers {args.workers}` op 127.0.0.1 "
               "(immutable). *Met cache*: dezelfde server achter nginx met `deploy/nginx.conf.template` "
               "(zoals `make serve-public`), cache vooraf gevuld (kolom X-Cache: de status na het vullen), "
               "wrk met `Accept-Encoding: gzip` zoals een browser. Alles op dezelfde 2-core machine: wrk, "
               "nginx en Datasette delen de twee kernen, en tijdens de meting liepen ook de builds en tests "
               "van andere ontwikkelaars; de getallen zijn dus eerder te laag dan te hoog. Doelen: met cache "
               "≥ 5.000 req/s en p99 < 50 ms op elk endpoint; zonder cache ≥ 100 req/s en p99 < 500 ms op de "
               f"zwaarste tabelpagina ({HEAVIEST}), ≥ 200 req/s op de rest.", "",
               "| endpoint | zonder cache req/s | spreiding | p99 (ms) | fouten | doel | X-Cache | "
               "met cache req/s | spreiding | p99 (ms) | fouten | doel |",
               "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|", *rows, ""]
    write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Hostile use of the site, against a real Datasette process (conftest): bad parameters are a
400 with a Dutch message, writes a 405, hidden or unpublished files a 404, every response
carries the security headers, and a hostile run leaves no 5xx and no traceback in the log."""
from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from eenzaamheid import build

from conftest import free_port, start_datasette

EENZAAMHEID = str(Path(sys.executable).with_name("eenzaamheid"))

BAD_TABLE_PARAMETERS = [
    "_sort=bestaat_niet", "_sort_desc=bestaat_niet", "_sort=jaar&_sort_desc=jaar", "_sort=%FF",
    "_facet=bestaat_niet", "_size=abc", "_size=-1", "_size=99999999", "_col=bestaat_niet",
    "_nocol=bestaat_niet", "_through=geen-json", "_through=%7B%7D", "_through=%5B1%5D",
    '_through={"table":"x","column":"y","value":"z"}', "_where=1=",
]
NOT_FOR_CSV = ("_facet=", "_col=", "_nocol=")  # the CSV export ignores facets and column choices
DUTCH_MESSAGES = {"_sort=bestaat_niet": "Kan niet sorteren op ‘bestaat_niet’",
                  "_sort_desc=bestaat_niet": "Kan niet sorteren op ‘bestaat_niet’",
                  "_sort=jaar&_sort_desc=jaar": "Sorteer op één kolom",
                  "_size=abc": "_size moet een positief geheel getal zijn",
                  "_through=geen-json": "Ongeldige waarde voor _through"}
RUNAWAY = "/benchmark?sql=with+recursive+c(x)+as+(select+1+union+all+select+x%2B1+from+c)+select+count(*)+from+c"  # stopped by the SQL time limit
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def get(site, path, **kwargs):
    return httpx.get(site.url + path, timeout=30, follow_redirects=True, **kwargs)


def raw_request(url: str, target: bytes, method: bytes = b"GET", headers: bytes = b"") -> int:
    """Send the request line exactly as given (no client normalises '..' or re-encodes bytes);
    the status code of the answer, 0 if the server closed the connection without one."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\n" + headers
                  + b"Connection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else 0


# ------------------------------------------------------------------ bad parameters: 400, not 500

@pytest.mark.parametrize("params", BAD_TABLE_PARAMETERS)
@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
def test_bad_table_parameters_are_a_400(site, params, suffix):
    if suffix == ".csv" and params.startswith(NOT_FOR_CSV):
        pytest.skip("not read by the CSV export")
    r = get(site, f"/benchmark/inzendingen{suffix}?{params}")
    assert r.status_code == 400, (r.status_code, r.text[:300])
    if suffix == ".json":
        assert r.json()["ok"] is False and r.json()["status"] == 400
    if suffix == "" and params in DUTCH_MESSAGES:
        assert DUTCH_MESSAGES[params] in r.text
        if not params.startswith("_through"):  # refused before Datasette, as plain text
            assert "Ongeldige aanvraag" in r.text and 'class="synthetisch-banner"' in r.text


@pytest.mark.parametrize("sql", ["selec", "select * from bestaat_niet", "drop table inzendingen",
                                 "insert into gemeenten (gemeente_code) values ('x')", "select 1; select 2",
                                 "attach database '/etc/passwd' as x", "select load_extension('x')",
                                 "select * from pragma_bestaat_niet()"])
def test_sql_errors_are_a_400(site, sql):
    for suffix in ("", ".json"):
        r = get(site, f"/benchmark{suffix}", params={"sql": sql})
        assert r.status_code in (400, 403), (sql, r.status_code, r.text[:300])


# ------------------------------------------------------------------ read-only: 405

@pytest.mark.parametrize("path", ["/", "/benchmark", "/benchmark/inzendingen", "/benchmark/inzendingen.json",
                                  "/benchmark/vraag_door_de_jaren", "/benchmark/gemeenten/GM0603", "/gemeente/GM0603",
                                  "/kaart", "/robots.txt", "/static/site.css", "/bestanden/csv/gemeenten.csv",
                                  "/-/versions"])
def test_writes_are_refused_with_405(site, path):
    for method in WRITE_METHODS:
        r = httpx.request(method, site.url + path, data={"sql": "delete from inzendingen"}, timeout=30,
                          follow_redirects=True)
        assert r.status_code == 405, (method, path, r.status_code, r.text[:300])
        assert r.headers["allow"] == "GET, HEAD"
    assert get(site, "/benchmark/inzendingen.json?_size=0").json()["filtered_table_rows_count"] > 0


# ------------------------------------------------------------------ downloads: published files only

def test_downloads_serve_only_the_published_files(site):
    staging = site.clean_dir / ".bouw-424242"  # what a killed build leaves behind
    (staging / "csv").mkdir(parents=True)
    shutil.copy(site.clean_dir / "csv" / "gemeenten.csv", staging / "csv" / "gemeenten.csv")
    (site.clean_dir / ".geheim").write_text("x")
    try:
        for path in ("/bestanden/.bouw-424242/csv/gemeenten.csv", "/bestanden/%2Ebouw-424242/csv/gemeenten.csv",
                     "/bestanden/csv/%2E%2E/.bouw-424242/csv/gemeenten.csv", "/bestanden/.geheim",
                     "/bestanden/metadata.json", "/bestanden/benchmark.db", "/bestanden/csv",
                     "/static/.geheim", "/.env"):
            status = raw_request(site.url, path.encode())
            assert status == 404, (path, status)
        for path in ("/bestanden/csv/gemeenten.csv", "/bestanden/json/gemeenten.json",
                     "/bestanden/parquet/gemeenten.parquet", "/bestanden/datapackage.json",
                     "/bestanden/benchmark-eenzaamheid.zip", "/bestanden/kwaliteitsrapport.html"):
            if (site.clean_dir / path.removeprefix("/bestanden/")).exists():
                assert get(site, path).status_code == 200, path
    finally:
        shutil.rmtree(staging)
        (site.clean_dir / ".geheim").unlink()


# ------------------------------------------------------------------ security headers

HEADER_PATHS = ["/", "/gemeente", "/gemeente/GM0603", "/gemeente/GM0603/factsheet", "/vragen", "/vraag/meldpunt",
                "/vraag/meldpunt/cijfers.csv", "/vraag/meldpunt/cijfers.xlsx",
                "/kaart", "/robots.txt", "/benchmark", "/benchmark/inzendingen", "/benchmark/inzendingen.json",
                "/benchmark/inzendingen.csv", "/benchmark/gemeenten/GM0603", "/benchmark?sql=select+1",
                "/benchmark/vraag_door_de_jaren", "/benchmark.db", "/static/site.css", "/-/static/app.css",
                "/bestanden/csv/gemeenten.csv", "/-/versions.json", "/bestaat-niet", "/gemeente/GM9999",
                "/benchmark/inzendingen?_sort=bestaat_niet"]


@pytest.mark.parametrize("path", HEADER_PATHS)
def test_every_response_carries_the_security_headers(site, path):
    for r in (get(site, path), httpx.get(site.url + path, timeout=30)):  # also the redirect itself
        assert r.headers.get("x-content-type-options") == "nosniff", (path, r.status_code)
        assert r.headers.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer")
        csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'", csp
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
        assert not re.search(r"https?:|\*", r.headers["content-security-policy"]), "no external hosts"
    r = httpx.post(site.url + path, timeout=30)
    assert r.headers.get("x-content-type-options") == "nosniff" and "content-security-policy" in r.headers


STATIC = Path(__file__).resolve().parent.parent / "static"
YEAR_IMMUTABLE = "public, max-age=31536000, immutable"


def test_served_directly_pages_are_gzipped_and_static_files_cached_under_their_hash(site):
    """`eenzaamheid serve` without the nginx front (the `site` fixture serves the same way)."""
    page = get(site, "/benchmark/gemeenten")
    assets = re.findall(r'(?:href|src)="(/static/([\w.-]+)\?h=([0-9a-f]+))"', page.text)
    names = {name for _, name, _ in assets}
    assert {"site.css", "table-nl.js"} <= names, names
    for url, name, digest in assets:  # the hash is that of the file's bytes: a changed file, a new URL
        assert digest == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12], name
    for url in ["/benchmark/gemeenten", "/", "/benchmark/gemeenten.json"] + [a[0] for a in assets]:
        raw = httpx.get(site.url + url, headers={"accept-encoding": "gzip"}, follow_redirects=True, timeout=30)
        assert raw.headers.get("content-encoding") == "gzip", url
        assert "accept-encoding" in raw.headers["vary"].lower(), url
        plain = httpx.get(site.url + url, headers={"accept-encoding": "identity"}, follow_redirects=True, timeout=30)
        assert "content-encoding" not in plain.headers, url
        timing = re.compile(r"[\d,.]+ ms|\"query_ms\": [\d.e-]+")  # how long the queries took
        assert timing.sub("", plain.text) == timing.sub("", raw.text), url  # httpx decoded the gzip
        if url.startswith("/static/"):
            assert raw.headers["cache-control"] == YEAR_IMMUTABLE, url
        else:
            assert "immutable" not in raw.headers.get("cache-control", ""), url
    with httpx.stream("GET", site.url + assets[0][0], headers={"accept-encoding": "gzip"}, timeout=30) as r:
        body = b"".join(r.iter_raw())
    assert gzip.decompress(body) == (STATIC / assets[0][1]).read_bytes()
    for stale in ("/static/site.css", "/static/site.css?h=000000000000"):  # an old or missing hash: short
        assert get(site, stale).headers["cache-control"] == "public, max-age=3600", stale


@pytest.mark.parametrize("path", ["/", "/gemeente/GM0603", "/vraag/meldpunt", "/kaart", "/benchmark",
                                  "/benchmark/inzendingen", "/benchmark/gemeenten/GM0603",
                                  "/benchmark?sql=select+1", "/benchmark/vraag_door_de_jaren", "/bestaat-niet",
                                  RUNAWAY])
def test_pages_have_no_inline_script_or_event_handler(site, path):
    """script-src 'self' blocks these; the browser test proves the replacements work."""
    html = get(site, path).text
    if path == RUNAWAY:  # stopped at the SQL time limit: Datasette's message carries a script
        assert "SQL Interrupted" in html
    # a JSON-LD data block (home page) is not a script: the browser never runs it, CSP does not apply
    inline = [m for m in re.findall(r"<script\b([^>]*)>", html)
              if "src=" not in m and m.strip() != 'type="application/ld+json"']
    assert inline == [], path
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path
    assert "javascript:" not in html


# ------------------------------------------------------------------ a hostile run leaves no trace

def hostile_requests() -> list[tuple[str, bytes, bytes]]:
    """(method, request target, extra headers): a bounded list of what the independent test tried."""
    table = b"/benchmark/inzendingen"
    out = [("GET", table + b"?" + p.encode(), b"") for p in BAD_TABLE_PARAMETERS]
    out += [("GET", table + b".json?" + p.encode(), b"") for p in BAD_TABLE_PARAMETERS[:6]]
    out += [("GET", table + b".csv?_stream=on&_next=abc", b""), ("GET", table + b"?_next=zzz", b""),
            ("GET", table + b"?jaar__gt=abc&bestaat_niet__exact=1", b""), ("GET", table + b"?_search=%22", b""),
            ("GET", table + b"?_facet_array=bestaat_niet", b""), ("GET", table + b"?_facet_date=bestaat_niet", b""),
            ("GET", table + b"?_labels=on&_shape=bestaat_niet", b""), ("GET", table + b".json?_shape=array&_nl=x", b""),
            ("GET", table + b"/bestaat_niet", b""), ("GET", table + b".bestaat_niet", b""),
            ("GET", b"/benchmark/bestaat_niet?_sort=x", b"")]
    for sql in (b"selec", b"select+*+from+bestaat_niet", b"drop+table+inzendingen", b"select+1%3B+select+2",
                b"attach+database+%27%2Fetc%2Fpasswd%27+as+x", b"select+load_extension(%27x%27)",
                b"select+%FF%FE", b"select+" + b"1%2B" * 3000 + b"1"):
        out += [("GET", b"/benchmark?sql=" + sql, b""), ("GET", b"/benchmark.json?sql=" + sql, b"")]
    out += [("GET", b"/benchmark/vraag_door_de_jaren?vraag_id=%FF", b""), ("GET", b"/benchmark/vraag_door_de_jaren.json?x=1", b"")]
    for method in WRITE_METHODS:
        for path in (b"/", table, table + b".json", b"/benchmark", b"/benchmark/vraag_door_de_jaren", b"/gemeente/GM0603",
                     b"/bestanden/csv/gemeenten.csv", b"/benchmark/-/query"):
            out.append((method, path, b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n"))
    for path in (b"/bestanden/../../etc/passwd", b"/bestanden/%2e%2e/%2e%2e/etc/passwd",
                 b"/bestanden/..%2f..%2fetc%2fpasswd", b"/static/../../../etc/passwd", b"/-/static/../../app.py",
                 b"/bestanden/.bouw-1/csv/gemeenten.csv", b"/bestanden//etc/passwd", b"/../../etc/passwd",
                 b"/etc/passwd", b"/benchmark/..%2f..%2fetc%2fpasswd", b"/%2e%2e/%2e%2e/etc/passwd",
                 b"/gemeente/..%2f..", b"/gemeente/%00", b"/vraag/%FF", b"/gemeente/GM0603%00"):
        out.append(("GET", path, b""))
    long = b"a" * 12000
    out += [("GET", b"/gemeente?q=" + long, b""), ("GET", table + b"?_sort=" + long, b""),
            ("GET", b"/kaart?jaar=" + b"9" * 400, b""), ("GET", b"/kaart?jaar=1e5", b""),
            ("GET", b"/gemeente?q=%FF%FE%00", b""), ("GET", b"/gemeente?q=\xff\xfe", b""),
            ("GET", table + b"?\xff=\xfe", b""), ("GET", b"/benchmark?sql=select+\xff", b""),
            ("GET", b"/kaart?jaar=%FF", b""), ("GET", b"/?%FF", b"")]
    for accept in (b"application/json", b"text/csv", b"*/*;q=abc", b"\xff\xfe", b"x" * 4000,
                   b"text/html;q=0, application/xhtml+xml;q=-1"):
        for path in (b"/", table, b"/gemeente/GM0603", b"/bestanden/csv/gemeenten.csv"):
            out.append(("GET", path, b"Accept: " + accept + b"\r\n"))
    out += [("GET", b"/bestanden/csv/gemeenten.csv", b"Range: bytes=abc\r\n"),
            ("GET", b"/static/site.css", b"If-None-Match: \xff\r\nIf-Modified-Since: gisteren\r\n"),
            ("GET", b"/", b"Cookie: ds_actor=\xff; ds_messages=abc\r\n"),
            ("GET", b"/", b"Authorization: Bearer dstok_abc\r\n"), ("HEAD", table + b"?_sort=bestaat_niet", b"")]
    return out


def test_a_hostile_run_leaves_no_5xx_and_no_traceback(built_site_dir, tmp_path):
    log = tmp_path / "datasette.log"
    with start_datasette(built_site_dir / build.DB_NAME, log) as url:
        hashed = httpx.get(url + "/benchmark").headers["location"].encode()  # /benchmark-<hash>
        statuses = {}
        for method, target, headers in hostile_requests():
            for t in {target, target.replace(b"/benchmark", hashed, 1) if target.startswith(b"/benchmark") else target}:
                statuses[(method, t[:120])] = raw_request(url, t, method.encode(), headers)
        time.sleep(0.5)  # let the server write its log
    server_errors = {k: v for k, v in statuses.items() if v >= 500}
    assert server_errors == {}
    assert all(v >= 200 for v in statuses.values()), {k: v for k, v in statuses.items() if v < 200}
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "Exception in ASGI application" not in text, text[-6000:]
    assert len(statuses) > 150


# ------------------------------------------------------------------ workers

def test_serve_with_one_worker_warns_in_dutch(built_site_dir, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([EENZAAMHEID, "serve", "--db", str(built_site_dir / build.DB_NAME),
                                 "--port", str(port), "--workers", "1"], stdout=f, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            if proc.poll() is not None or "startup complete" in log.read_text():
                break
            time.sleep(0.1)
        text = log.read_text()
        assert proc.poll() is None, text
        assert "Let op: één serverproces" in text, text
        assert "--processen 2" in text
    finally:
        proc.terminate()
        proc.wait(20)

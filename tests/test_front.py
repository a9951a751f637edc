"""The caching front (deploy/nginx.conf.template) with real nginx and real Datasette on loopback.

`front` is exactly `eenzaamheid serve --front` (what `make serve-public` runs) on the session's
demo build. The test of a new build and of a backend that is down runs nginx itself
(`front.running_nginx`) before a Datasette on a fixed port, so that the backend can be swapped.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from eenzaamheid.site import front as front_module
from eenzaamheid.site import serve
from eenzaamheid.site.hardening.security import SECURITY_HEADERS

from conftest import free_port, start_datasette, wait_until_up

pytestmark = pytest.mark.skipif(front_module.find_nginx() is None,
                                reason="nginx is not installed (Debian package nginx-light; `make system-deps`)")

HASHED = re.compile(r"^/benchmark-([0-9a-f]{7})/")
YEAR = "max-age=31536000"


@pytest.fixture(scope="module")
def front(built_site_dir, tmp_path_factory):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("front") / "serve-front.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "eenzaamheid.cli", "serve", "--front", "--port", str(port),
                                 "--workers", "2", "--db", str(built_site_dir / "benchmark.db")],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, url, log_path, 90, "serve --front")
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        proc.terminate()
        proc.wait(30)
    assert proc.returncode == 0, log_path.read_text()[-4000:]


def hashed(client: httpx.Client, path: str) -> str:
    """The hashed URL that /benchmark/<path> redirects to."""
    r = client.get(f"/benchmark/{path}")
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    assert HASHED.match(location), location
    return location


def assert_security_headers_once(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS:
        found = response.headers.get_list(name.decode())
        assert found == [value.decode()], (response.url, response.status_code, name, found)


def test_hashed_table_page_is_a_miss_then_a_hit(front):
    url = hashed(front, "gemeenten?gemeente_code=GM0003")
    first, second = front.get(url), front.get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert YEAR in second.headers["cache-control"]
    assert first.text == second.text and "Appingedam" in second.text


def test_our_pages_are_cached_as_their_cache_control_says(front):
    first, second = front.get("/gemeente/GM0003"), front.get("/gemeente/GM0003")
    assert first.headers["cache-control"] == "max-age=3600"
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")


def test_redirect_to_the_current_hash_is_not_cached(front):
    first, second = front.get("/benchmark/vragen"), front.get("/benchmark/vragen")
    assert first.status_code == second.status_code == 302
    assert second.headers["x-cache"] != "HIT"


@pytest.mark.parametrize("path", ["bestaat_niet", "gemeenten?_sort=bestaat_niet"])
def test_errors_are_not_cached(front, path):
    url = HASHED.match(hashed(front, "gemeenten")).group(0) + path
    first, second = front.get(url), front.get(url)
    assert first.status_code == second.status_code and first.status_code in (400, 404)
    # datasette-hashed-urls marks them cacheable for a year; the front must not keep them
    assert YEAR in first.headers["cache-control"]
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "MISS")
    assert_security_headers_once(second)


def test_gzip_once_per_page_and_both_encodings_cached(front):
    url = hashed(front, "inzendingen?_size=50")
    plain = [front.get(url, headers={"accept-encoding": "identity"}) for _ in range(2)]
    packed = [front.get(url, headers={"accept-encoding": "gzip, deflate, br"}) for _ in range(2)]
    # Datasette says Vary: Cookie; one copy per visitor's cookie would make the cache useless
    other_spelling = front.get(url, headers={"accept-encoding": "gzip", "cookie": "bezoeker=1"})
    assert "content-encoding" not in plain[0].headers
    assert packed[0].headers["content-encoding"] == "gzip"
    assert packed[0].num_bytes_downloaded < len(plain[0].content) / 3
    timing = re.compile(r"duurden [\d.,]+ ms")  # rendered into the page by each miss
    assert timing.sub("", packed[0].text) == timing.sub("", plain[0].text)  # httpx decodes the gzip
    assert [r.headers["x-cache"] for r in (*plain, *packed, other_spelling)] == ["MISS", "HIT", "MISS", "HIT", "HIT"]
    assert "Accept-Encoding" in packed[1].headers["vary"]


def test_security_headers_are_present_exactly_once(front):
    url = hashed(front, "vragen")
    responses = [front.get("/"), front.get("/"), front.get("/benchmark/vragen"), front.get(url), front.get(url),
                 front.get(url, headers={"accept-encoding": "gzip"}), front.get("/static/bestaat-niet.css")]
    assert responses[1].headers["x-cache"] == "HIT" and responses[4].headers["x-cache"] == "HIT"
    for response in responses:
        assert_security_headers_once(response)


@pytest.mark.parametrize("path, content_type, attachment", [
    ("/bestanden/parquet/gemeenten.parquet", "application/vnd.apache.parquet", True),
    ("/bestanden/csv/gemeenten.csv", "text/csv; charset=utf-8", True),
    ("/bestanden/json/gemeenten.json", "application/json; charset=utf-8", False),
    ("/bestanden/benchmark-eenzaamheid.zip", "application/zip", True),
    ("/bestanden/dcat.ttl", "text/turtle; charset=utf-8", False)])
def test_downloads_keep_their_headers_through_the_front(front, path, content_type, attachment):
    for encoding in ("identity", "gzip"):
        r = front.get(path, headers={"accept-encoding": encoding})
        assert r.status_code == 200, path
        assert r.headers.get_list("content-type") == [content_type]
        assert r.headers.get_list("access-control-allow-origin") == ["*"]
        assert ("content-disposition" in r.headers) == attachment
        assert_security_headers_once(r)
    api = front.get("/benchmark/gemeenten.json?_size=1", follow_redirects=True)
    assert api.headers.get_list("access-control-allow-origin") == ["*"]


def modified_copy(built_site_dir: Path, folder: Path) -> Path:
    """A second, different build: the demo database with one municipality renamed."""
    folder.mkdir()
    db = folder / "benchmark.db"
    shutil.copy(built_site_dir / "benchmark.db", db)
    shutil.copy(built_site_dir / "metadata.json", folder / "metadata.json")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE gemeenten SET naam = 'Nieuwstad' WHERE gemeente_code = 'GM0003'")
    conn.close()
    return db


def test_backend_down_is_not_cached_and_a_new_build_is_served_fresh(built_site_dir, tmp_path):
    backend_port, port = free_port(), free_port()
    old_db = built_site_dir / "benchmark.db"
    new_db = modified_copy(built_site_dir, tmp_path / "nieuwe_build")
    with front_module.running_nginx(tmp_path / "nginx", port, [f"127.0.0.1:{backend_port}"]), \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        down = client.get("/benchmark/gemeenten")  # nginx's own answer: no Datasette yet
        assert down.status_code == 502 and "niet bereikbaar" in down.text
        assert_security_headers_once(down)

        with start_datasette(old_db, tmp_path / "old.log", port=backend_port):
            old_url = hashed(client, "gemeenten?gemeente_code=GM0003")  # a redirect, not the cached 502
            assert [client.get(old_url).headers["x-cache"] for _ in range(2)] == ["MISS", "HIT"]
            assert "Appingedam" in client.get(old_url).text

        with start_datasette(new_db, tmp_path / "new.log", port=backend_port):
            new_url = hashed(client, "gemeenten?gemeente_code=GM0003")
            assert HASHED.match(new_url).group(1) != HASHED.match(old_url).group(1)
            fresh = client.get(new_url)
            assert fresh.headers["x-cache"] == "MISS"
            assert "Nieuwstad" in fresh.text and "Appingedam" not in fresh.text
            # the old hash still names the old, immutable content
            old = client.get(old_url)
            assert old.headers["x-cache"] == "HIT" and "Appingedam" in old.text


def test_render_takes_the_error_page_headers_from_security_py(tmp_path):
    conf = front_module.render("8080", ["10.0.0.2:8001", "10.0.0.3:8001"], tmp_path)
    for name, value in SECURITY_HEADERS:
        assert conf.count(f'"{value.decode()}" always;') == 1, name
    assert "server 10.0.0.2:8001" in conf and "server 10.0.0.3:8001" in conf
    assert "{{" not in conf


def test_front_refuses_a_public_address(built_site_dir):
    """`--front` runs nginx as the current user on loopback only; a public address is a usage error."""
    done = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "serve", "--front", "--host", "0.0.0.0",
                           "--db", str(built_site_dir / "benchmark.db")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--cache" in done.stderr and "Traceback" not in done.stderr


def test_render_creates_the_prefix_so_nginx_t_passes_right_after_it(site, tmp_path):
    """deploy/README.md's steps on a new server: render with a prefix that does not exist yet, then
    `nginx -t -c` on the rendered file, then nginx serves the site through it."""
    # a short base: nginx's unix socket under the prefix may be at most 107 bytes (pytest's tmp_path is longer)
    base = Path(tempfile.mkdtemp(prefix="fr-", dir="/tmp"))
    prefix, conf, port = base / "nieuw" / "var" / "eenzaamheid-front", base / "eenzaamheid.conf", free_port()
    user = front_module.current_user_directive()
    rendered = subprocess.run([sys.executable, "-m", "eenzaamheid.site.front", "render", "--listen", f"127.0.0.1:{port}",
                               "--backend", site.url.removeprefix("http://"), "--prefix", str(prefix),
                               *(["--user", user] if user else [])], capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    conf.write_text(rendered.stdout, encoding="utf-8")
    assert all((prefix / sub).is_dir() for sub in front_module.PREFIX_FOLDERS)
    nginx = front_module.find_nginx()
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-e", str(prefix / "error.log")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx, "-c", str(conf), "-e", str(prefix / "error.log"), "-g", "daemon off;"])
    try:
        front_module.wait_for_port("127.0.0.1", port, process, timeout=15)
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert page.status_code == 200 and 'class="synthetisch-banner"' in page.text, page.text[:500]
    finally:
        front_module.stop(process)
        shutil.rmtree(base, ignore_errors=True)


def test_render_refuses_a_prefix_too_long_for_its_socket(tmp_path):
    """A prefix whose socket path the operating system cannot hold is one Dutch message, not nginx's emerg."""
    prefix = tmp_path / ("x" * 120)
    done = subprocess.run([sys.executable, "-m", "eenzaamheid.site.front", "render", "--backend", "127.0.0.1:8001",
                           "--prefix", str(prefix)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "te lang" in done.stderr and "Traceback" not in done.stderr
    assert not prefix.exists()


# --- a replica killed under load (issue 23) ------------------------------------------------------------

LOAD_CLIENTS = 8
# Kill after 0.6 s and 24 answers, stop 1 s and 24 answers after the kill (~1.6 s on a quiet machine;
# longer, up to the caps, when other work slows it down).
KILL_AFTER_S, KILL_AFTER_N, STOP_AFTER_S, STOP_AFTER_N, CAP_S = 0.6, 24, 1.0, 24, 8.0
PAGES = ("/", "/gemeente/GM0003", "/vraag/meldpunt")


def start_replica(db: Path, port: int, log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:  # a file, not a pipe: a full pipe would block the server
        return subprocess.Popen(serve.datasette_args("127.0.0.1", port, db_path=db), stdout=log,
                                stderr=subprocess.STDOUT)


def upstream_log(path: Path) -> dict[str, tuple[list[str], str]]:
    """Query string 'n=…' -> (replicas tried, in order; final status) from the gzip layer's lines of the
    `upstreams` log (the cache layer's lines have the unix socket as their upstream)."""
    line = re.compile(r'^[\d.]+ [\d.]+ (\d+) "([^"]*)" "[^"]*" "GET [^ ]*[?&]n=(\d+)')
    out = {}
    for m in filter(None, map(line.match, path.read_text().splitlines())):
        if not m.group(2).startswith("unix:"):
            out[m.group(3)] = ([a.strip() for a in m.group(2).split(",")], m.group(1))
    return out


async def load(base: str, kill) -> tuple[list[tuple], float]:
    """LOAD_CLIENTS clients asking uncached pages (each URL once, so every request reaches a replica);
    `kill()` mid-load. Returns (n, start, end, ok) per request and the moment of the kill."""
    started, results, counter, killed_at = time.monotonic(), [], itertools.count(), []

    def done() -> bool:
        if not killed_at:
            return time.monotonic() - started > CAP_S
        after = sum(r[1] > killed_at[0] for r in results)
        return (time.monotonic() - killed_at[0] > STOP_AFTER_S and after >= STOP_AFTER_N) or \
            time.monotonic() - killed_at[0] > CAP_S

    async def client(http):
        while not done():
            n = next(counter)
            t0 = time.monotonic()
            try:
                ok = (await http.get(f"{PAGES[n % len(PAGES)]}?n={n}")).status_code == 200
            except httpx.HTTPError:  # a truncated body, a reset connection
                ok = False
            results.append((str(n), t0, time.monotonic(), ok))

    async def killer():
        while time.monotonic() - started < KILL_AFTER_S or len(results) < KILL_AFTER_N:
            await asyncio.sleep(0.01)
        killed_at.append(time.monotonic())
        kill()

    async with httpx.AsyncClient(base_url=base, timeout=10,
                                 limits=httpx.Limits(max_connections=LOAD_CLIENTS)) as http:
        await asyncio.gather(killer(), *(client(http) for _ in range(LOAD_CLIENTS)))
    return results, killed_at[0]


def used_again(base: str, log: Path, replica: str, timeout: float = 10) -> str:
    """Ask new pages until the gzip layer logs one answered by `replica` (nginx tries a failed server again
    after fail_timeout); return that request's n."""
    deadline, n = time.monotonic() + timeout, 10**6
    with httpx.Client(base_url=base, timeout=10) as http:
        while time.monotonic() < deadline:
            assert http.get(f"/?n={n}").status_code == 200
            time.sleep(0.05)  # the gzip layer writes its line as its answer ends (no log buffer)
            if upstream_log(log).get(str(n), ([""],))[0][-1] == replica:
                break
            n += 1
    return str(n)


def test_a_replica_killed_under_load_costs_only_the_answers_it_was_sending(site, tmp_path):
    """Two replicas of the demo build behind the rendered front: the session's Datasette (`site`, the one
    that survives) and one started here, killed with SIGKILL mid-load and started again."""
    phases = [time.monotonic()]  # start, front up, load done, replica back (printed with the numbers)
    ports, port = [free_port(), int(site.url.rsplit(":", 1)[1])], free_port()
    replicas = [start_replica(site.db_path, ports[0], tmp_path / "replica.log")]
    victim, survivor = (f"127.0.0.1:{p}" for p in ports)
    log = tmp_path / "nginx" / "upstreams.log"
    try:
        wait_until_up(replicas[0], f"http://{victim}", tmp_path / "replica.log", 60, "Datasette")
        for replica, page in itertools.product((victim, survivor), PAGES):  # warm: a first answer loads more
            assert httpx.get(f"http://{replica}{page}", timeout=30).status_code == 200
        with front_module.running_nginx(tmp_path / "nginx", port, [victim, survivor], access_log=f"{log} upstreams"):
            base = f"http://127.0.0.1:{port}"
            phases.append(time.monotonic())
            # in a thread of its own: a browser test in the same worker may leave an event loop running here
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                results, killed_at = pool.submit(
                    asyncio.run, load(base, lambda: os.kill(replicas[0].pid, signal.SIGKILL))).result()
            replicas[0].wait(5)
            phases.append(time.monotonic())
            time.sleep(0.2)  # the last log lines
            tried = upstream_log(log)
            failed = [r for r in results if not r[3]]
            in_flight = [r for r in results if r[1] <= killed_at <= r[2]]
            on_victim = [r for r in in_flight if victim in tried.get(r[0], ([],))[0]]  # its first attempt, at least
            after = [r for r in results if r[1] > killed_at + 0.05]
            # the load was real and spread over both replicas before the kill
            assert {tried[r[0]][0][-1] for r in results if r[2] < killed_at} == {victim, survivor}
            # every failure was in flight on the killed replica when it died; every other request succeeded
            assert set(failed) <= set(on_victim), (failed, on_victim)
            # after the kill the front serves on, from the other replica (a refused attempt is retried there)
            assert after and all(ok for *_, ok in after)
            assert {tried[r[0]][0][-1] for r in after} == {survivor}

            replicas[0] = start_replica(site.db_path, ports[0], tmp_path / "replica.log")  # comes back
            wait_until_up(replicas[0], f"http://{victim}", tmp_path / "replica.log", 60, "Datasette")
            phases.append(time.monotonic())
            n = used_again(base, log, victim)
            assert upstream_log(log)[n] == ([victim], "200"), "the restarted replica is used again"
            spent = max(r[2] for r in results) - min(r[1] for r in results)
            print(f"\nreplica killed under load: {len(results)} requests in {spent:.1f} s, {len(failed)} failed, "
                  f"{len(in_flight)} in flight at the kill ({len(on_victim)} on the killed replica), "
                  f"{sum(len(t[0]) > 1 for t in tried.values())} retried on the other replica; test phases (s): "
                  f"{', '.join(f'{b - a:.1f}' for a, b in zip(phases, phases[1:] + [time.monotonic()]))}")
    finally:
        for proc in replicas:
            front_module.stop(proc)

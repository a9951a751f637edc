"""The caching front (deploy/nginx.conf.template) with real nginx and real Datasette on loopback.

`front` is exactly `eenzaamheid serve --front` (what `make serve-public` runs) on the session's
demo build. The test of a new build and of a backend that is down runs nginx itself
(`front.running_nginx`) before a Datasette on a fixed port, so that the backend can be swapped.
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from eenzaamheid import front as front_module
from eenzaamheid.site.security import SECURITY_HEADERS

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
    prefix, conf, port = tmp_path / "nieuw" / "var" / "eenzaamheid-front", tmp_path / "eenzaamheid.conf", free_port()
    user = front_module.current_user_directive()
    rendered = subprocess.run([sys.executable, "-m", "eenzaamheid.front", "render", "--listen", f"127.0.0.1:{port}",
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

"""Two more shortcuts past Datasette's per-request work give what Datasette itself gives:
eenzaamheid/site/datasette/absolute_url.py (absolute URLs of facet links without urljoin where that is the
same text) and eenzaamheid/site/datasette/connection.py (SQLite's JSON1 support asked once). The pages are
compared with a real Datasette in-process on the demo build, as test_site_cells does."""
from __future__ import annotations

import re
import sqlite3
import urllib.parse

import pytest
from datasette.utils import PrefixedUrlString
from datasette.utils.asgi import Request

from eenzaamheid import build
from eenzaamheid.site.datasette import absolute_url
from test_site_cells import _datasette, _in_thread, _pages

HOSTS = [None, b"", b"localhost", b"127.0.0.1:8001", b"Example.NL", b"voorbeeld.nl:", b"[::1]:8001",
         b"evil/x", b"a?b", b"a#b", b"h\xe9", b"a b", b"a@b"]
PATHS = [
    "/", "/benchmark-2713ede/deelname_per_gemeente", "/benchmark/deelname_per_gemeente?aantal_jaren=6",
    "/benchmark/deelname_per_gemeente?provincie=Zuid-Holland&_facet=2020&_sort=naam",
    "/benchmark/t?naam=%27s-Gravenhage&x=a+b", "/benchmark/t?q=/./../", "/benchmark/t?", "/benchmark/t?a=1?",
    "/a/./b", "/a/../b", "/a/.", "/a/..", "/.hidden", "/a/.b/c", "/a//b", "//elders.nl/pad", "/a#frag",
    "/a#", "/a?b#", "/a;", "/a;p=1", "/a/b;c/d", "/a\tb", "/a\nb", "/a b?c d", " /a", "/a?b#c", "/é?ü=ß", "/a?b=%zz",
    "", "relatief/pad", "?alleen=query", "http://elders.nl/x", "https:/x", "mailto:a@b",
]


def _request(scheme, host, path="/benchmark/deelname_per_gemeente", query=b"_facet=elk_jaar"):
    headers = [(b"user-agent", b"test")] + ([(b"Host", host)] if host is not None else [])
    return Request({"type": "http", "method": "GET", "scheme": scheme, "path": path, "raw_path": path.encode(),
                    "query_string": query, "headers": headers}, None)


class _Settings:
    def __init__(self, https):
        self.https = https

    def setting(self, name):
        assert name == "force_https_urls"
        return self.https


@pytest.mark.parametrize("scheme", ["http", "https", "ws", None])
def test_absolute_urls_are_urljoins_answer(scheme):
    short_way = 0
    for host in HOSTS:
        request = _request(scheme, host)
        for path in PATHS + [PrefixedUrlString(p) for p in PATHS]:
            for https in (False, True):
                expected = urllib.parse.urljoin(request.url, path)
                if expected.startswith("http://") and https:
                    expected = "https://" + expected[len("http://"):]
                found = absolute_url.absolute_url(_Settings(https), request, path)
                assert (found, type(found)) == (expected, type(expected)), (scheme, host, path, https)
            short_way += absolute_url.origin_and_path(request, path) is not None
    if scheme in ("http", "https", None):  # the facet links of a table page take the short way
        assert absolute_url.origin_and_path(_request(scheme, b"localhost"), PATHS[3]) is not None
        assert short_way > 0


PAGES = [
    "/benchmark/deelname_per_gemeente",
    "/benchmark/deelname_per_gemeente?provincie=Utrecht&_facet=2020",
    "/benchmark/deelname_per_gemeente?aantal_jaren=6&_sort_desc=naam",
    "/benchmark/deelname_per_gemeente.json",
    "/benchmark/deelname_per_gemeente.json?_facet=provincie&elk_jaar=1&_size=5",
    "/benchmark/deelname_per_gemeente.csv?_size=max",
    "/benchmark/inzendingen?_facet=status&_sort=jaar",
    "/benchmark/gemeenten.json?_shape=array",
]


def test_pages_are_the_same_as_with_datasettes_own_urls(built_site_dir):
    db_path = built_site_dir / build.DB_NAME
    ours = _in_thread(_pages(_datasette(db_path), PAGES))

    async def theirs():
        datasette = _datasette(db_path)
        await datasette.invoke_startup()
        assert datasette.absolute_url.__func__ is absolute_url.absolute_url  # the plugin installed it
        del datasette.absolute_url  # Datasette's own method again
        return await _pages(datasette, PAGES)

    found = _in_thread(theirs())

    def timeless(page):  # the JSON's own timing
        return page[0], re.sub(r'"query_ms": [0-9.e-]+', '"query_ms": …', page[1])
    for path in PAGES:
        assert ours[path][0] == 200, path
        assert timeless(ours[path]) == timeless(found[path]), path
    assert 'href="http://localhost/benchmark' in ours["/benchmark/deelname_per_gemeente"][1]  # facet links


def test_json1_is_asked_once_and_answered_as_datasette_answers(built_site_dir):
    from datasette import facets
    from datasette.utils import detect_json1

    _datasette(built_site_dir / build.DB_NAME)  # loads the plugin
    assert facets.detect_json1.remembered
    assert facets.detect_json1() == detect_json1() is True
    without_json = sqlite3.connect(":memory:")
    without_json.set_authorizer(lambda *args: sqlite3.SQLITE_DENY)  # a connection is asked itself
    assert facets.detect_json1(without_json) is detect_json1(without_json) is False

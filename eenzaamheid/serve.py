"""Serve clean/benchmark.db with Datasette: read-only, immutable, on localhost by default."""
from __future__ import annotations

import os
import sys

from .build import DB_PATH
from .paths import ROOT


def datasette_args(host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", "--immutable", str(DB_PATH),
        "--metadata", str(ROOT / "metadata.yml"), "--host", host, "--port", str(port),
        "--setting", "suggest_facets", "off", "--setting", "sql_time_limit_ms", "2000",
        "--setting", "max_returned_rows", "5000",
    ]


def serve(host: str = "127.0.0.1", port: int = 8001) -> None:
    args = datasette_args(host, port)
    os.execv(args[0], args)

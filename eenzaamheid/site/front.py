"""The caching front: nginx before the Datasette workers, from deploy/nginx.conf.template.

`render` fills in the template: the listening address, the Datasette servers (one or several
machines), the prefix folder for nginx's pid, logs, temporary files and cache, and the headers
of nginx's own error pages, taken from eenzaamheid/site/hardening/security.py so that there is one source
of truth (Datasette's responses carry them already; nginx passes them on and adds none).

`serve_public` is `eenzaamheid serveer --cache`: Datasette's workers on a free loopback port and
nginx in front of them, run as the current user with everything under a temporary prefix (no
root paths, no system service).

    python -m eenzaamheid.site.front render --listen 80 --backend 10.0.0.2:8001 --backend 10.0.0.3:8001 \
        --prefix /var/lib/eenzaamheid-front > /etc/nginx/eenzaamheid.conf
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..atomic import write_atomic
from ..paths import CODE_ROOT
from .hardening.security import SECURITY_HEADERS

TEMPLATE = CODE_ROOT / "deploy" / "nginx.conf.template"
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")
_PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")


def find_nginx() -> str | None:
    for candidate in NGINX_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def security_header_lines(indent: str = "            ") -> str:
    """`add_header` lines for nginx's own responses, with the values of security.py."""
    lines = []
    for name, value in SECURITY_HEADERS:
        text = value.decode()
        if '"' in text or "$" in text or "\\" in text:  # would break or be expanded in nginx's syntax
            raise ValueError(f"header {name.decode()} cannot be written into nginx.conf: {text!r}")
        lines.append(f'{indent}add_header {header_name(name)} "{text}" always;')
    return "\n".join(lines)


def header_name(name: bytes) -> str:
    """b'x-content-type-options' -> 'X-Content-Type-Options' (as browsers and docs spell it)."""
    return "-".join(part.capitalize() for part in name.decode().split("-"))


GZIP_SOCKET = "gzip.sock"  # the template's internal compression hop (deploy/nginx.conf.template)
SOCKET_PATH_MAX = 107      # sun_path holds 108 bytes with its closing NUL (Linux); nginx refuses longer


def render(listen: str, backends: list[str], prefix: Path, access_log: str | None = None,
           cache_max_size: str = "1g", user: str | None = None) -> str:
    values = {
        "listen": listen,
        "backend_servers": "\n".join(f"        server {b} max_fails=1 fail_timeout=2s;" for b in backends),
        "prefix": str(prefix),
        "access_log": access_log or f"{prefix}/access.log combined buffer=64k flush=1s",
        "cache_max_size": cache_max_size,
        "user_directive": f"user {user};" if user else "",
        "security_headers": security_header_lines(),
    }
    if not backends:
        raise ValueError("at least one backend (host:port of a Datasette) is needed")
    if len(os.fsencode(f"{prefix}/{GZIP_SOCKET}")) > SOCKET_PATH_MAX:
        raise ValueError(f"het pad van --prefix is te lang: nginx luistert op {prefix}/{GZIP_SOCKET} en het "
                         f"besturingssysteem staat voor een socket hoogstens {SOCKET_PATH_MAX} bytes toe; kies een "
                         "kortere map, bijvoorbeeld /var/lib/eenzaamheid-front")
    template = TEMPLATE.read_text(encoding="utf-8")
    unknown = set(_PLACEHOLDER.findall(template)) - set(values)
    if unknown:
        raise ValueError(f"{TEMPLATE}: no value for {sorted(unknown)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def current_user_directive() -> str | None:
    """nginx started by root hands its workers to `nobody`, who could not write the cache under a
    private temporary prefix: keep them the current user. (Ignored, with a warning, otherwise.)"""
    if os.geteuid() != 0:
        return None
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


PREFIX_FOLDERS = ("tmp", "cache")  # nginx creates tmp/body … and the cache levels itself, not these


def make_prefix_folders(prefix: Path, user: str | None = None) -> None:
    """The folders the configuration names under prefix (`nginx -t` fails without them); owned by
    `user` when root renders for workers that run as that user, so that they can write there."""
    for sub in PREFIX_FOLDERS:
        (prefix / sub).mkdir(parents=True, exist_ok=True)
        if user and os.geteuid() == 0:
            shutil.chown(prefix / sub, user=user)


def prepare_prefix(prefix: Path, listen: str, backends: list[str], access_log: str | None = None) -> Path:
    """Write nginx.conf and the folders it needs under prefix; return the configuration's path."""
    make_prefix_folders(prefix)
    conf = prefix / "nginx.conf"
    write_atomic(conf, render(listen, backends, prefix, access_log=access_log, user=current_user_directive()))
    return conf


def nginx_command(nginx: str, prefix: Path, conf: Path) -> list[str]:
    return [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"), "-g", "daemon off;"]


def wait_for_port(host: str, port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:  # messages in Dutch: the operator reads them
            raise RuntimeError(f"{Path(process.args[0]).name} stopte met exitcode {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"niets antwoordt op {host}:{port} na {timeout:.0f} s")


@contextlib.contextmanager
def running_nginx(prefix: Path, listen_port: int, backends: list[str], access_log: str | None = None,
                  nginx: str | None = None):
    """nginx in the foreground on 127.0.0.1:listen_port, stopped (and waited for) on exit."""
    nginx = nginx or find_nginx()
    if nginx is None:
        raise FileNotFoundError("nginx")
    conf = prepare_prefix(prefix, f"127.0.0.1:{listen_port}", backends, access_log)
    subprocess.run([*nginx_command(nginx, prefix, conf)[:-2], "-t", "-q"], check=True)
    process = subprocess.Popen(nginx_command(nginx, prefix, conf))
    try:
        wait_for_port("127.0.0.1", listen_port, process, timeout=15)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT if Path(process.args[0]).name == "nginx" else signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_public(port: int, workers: int, db_path: Path) -> int:
    """Datasette's workers on a free loopback port, nginx in front on 127.0.0.1:port, until
    stopped (Ctrl-C or SIGTERM). Returns the exit code."""
    nginx = find_nginx()
    if nginx is None:
        print("nginx ontbreekt: installeer het Debian-pakket nginx-light (`make system-deps`).", file=sys.stderr)
        return 2
    backend_port = free_port()
    backend = subprocess.Popen([sys.executable, "-m", "eenzaamheid.cli", "serveer", "--host", "127.0.0.1",
                                "--poort", str(backend_port), "--processen", str(workers), "--db", str(db_path)])
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a process manager: stop both, as on Ctrl-C
    with tempfile.TemporaryDirectory(prefix="eenzaamheid-front-") as tmp:
        try:
            wait_for_port("127.0.0.1", backend_port, backend)
            with running_nginx(Path(tmp), port, [f"127.0.0.1:{backend_port}"], nginx=nginx) as proxy:
                print(f"Site met cache ervoor: http://127.0.0.1:{port}/ (Datasette op poort {backend_port}; "
                      f"nginx-map {tmp})", flush=True)
                while proxy.poll() is None and backend.poll() is None:
                    time.sleep(0.5)
                print("nginx of Datasette is gestopt; de andere wordt ook gestopt.", file=sys.stderr)
                return 1
        except KeyboardInterrupt:
            return 0
        except subprocess.CalledProcessError:  # nginx -t printed what is wrong
            print("De nginx-configuratie is afgekeurd (zie hierboven).", file=sys.stderr)
            return 1
        except RuntimeError as error:
            print(f"De site met cache kon niet starten: {error}", file=sys.stderr)
            return 1
        finally:
            stop(backend)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Render deploy/nginx.conf.template (the caching front).")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="print the nginx configuration")
    r.add_argument("--listen", default="80", help="nginx's listen address (e.g. 80, 127.0.0.1:8080)")
    r.add_argument("--backend", action="append", required=True, help="host:port of a Datasette; repeat for replicas")
    r.add_argument("--prefix", type=Path, required=True, help="folder for nginx's pid, logs, temporary files and "
                   "cache (created, with its tmp/ and cache/)")
    r.add_argument("--user", help="the user nginx's workers run as (when started by root)")
    args = p.parse_args(argv)
    try:
        text = render(args.listen, args.backend, args.prefix.resolve(), user=args.user)
    except ValueError as exc:
        print(f"Fout: {exc}.", file=sys.stderr)
        return 1
    try:
        make_prefix_folders(args.prefix.resolve(), args.user)
    except (OSError, LookupError) as exc:  # LookupError: no such user
        print(f"De map {args.prefix} (--prefix) kon niet worden aangemaakt: {exc}. Maak haar aan met de rechten van "
              "de gebruiker van nginx en render opnieuw.", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""nginx as a fast loopback server for the benchmarks, answering like `loopback.py`.

`loopback.py` is a Python server: against a fast client it is the slower side of the socket, so
a figure taken against it measures the server as much as the client. This module starts the
system's nginx (Debian's package: `apt-get install nginx`) on a free 127.0.0.1 port, with a
generated configuration in a temporary directory, serving precomputed files holding the very
bytes `loopback.py` answers with:

* `GET /api/v2/journey/actiontargets/{id}`: one ActionTarget (the same body for any id; it
  names `t-1000`, as long as the benchmarks' ids);
* `GET /api/v2/journey/actiontargets?pageNumber=N&pageSize=S`: the page-number listing, for the
  page size(s) asked for at start-up (`target_page_sizes`);
* `GET /api/v2/journey/sessions/{id}/segments?pageSize=N&after=K`: the cursor listing with
  `nextUri`, for `segment_page_sizes` (the bodies name `session`, whatever id is asked for);
* anything else: the loopback server's 404 body.

There is no `/stats`, no rate limit and no latency: those stay with `loopback.py`.

nginx runs in the foreground as a single process (`daemon off; master_process off;`, so one
process does the work and one signal stops it), with keep-alive on, the access log off and
every path it writes (pid, error log, temp directories) inside the temporary directory, which
is removed afterwards; it is stopped with the benchmark even when that is killed (Linux's
parent-death signal). Nothing is installed or started as a system service.

    with nginx_server(items=1000) as base_url: ...     # raises NginxUnavailable without nginx

    python benchmarks/nginx_server.py --items 1000     # prints "port NNNN", serves until ^C
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loopback  # noqa: E402

TARGET_ID = "t-1000"
SESSION = "5d6e7f80-91a2-4b3c-8d4e-f5a6b7c8d9e0"  # bench_stream.py's session
SKIP_MESSAGE = (
    "nginx is not installed, so the nginx figures were skipped "
    "(Debian: apt-get install nginx; or put `nginx` on PATH)"
)


class NginxUnavailable(RuntimeError):
    """nginx is not installed (or not found); the message says how to get it."""


def nginx_binary() -> str | None:
    """The nginx executable, or None: PATH first, then Debian's /usr/sbin (not on every PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_version() -> str:
    binary = nginx_binary()
    if binary is None:
        return "not installed"
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: ")


CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;

events {{
    worker_connections 4096;
    multi_accept on;
}}

http {{
    access_log off;
    server_tokens off;
    etag off;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    open_file_cache max=10000 inactive=300s;
    open_file_cache_valid 300s;
    types {{ }}
    default_type application/json;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;

    # loopback.py's defaults when a query parameter is missing
    map $arg_pageSize $page_size {{ "" 25; default $arg_pageSize; }}
    map $arg_pageNumber $page_number {{ "" 1; default $arg_pageNumber; }}
    map $arg_after $after {{ "" 0; default $arg_after; }}

    server {{
        listen 127.0.0.1:{port} backlog=1024;
        root {dir}/www;
        error_page 404 /404.json;

        location = /404.json {{ internal; }}
        location = /api/v2/journey/actiontargets {{
            try_files /targets/$page_size/$page_number.json =404;
        }}
        location ~ ^/api/v2/journey/actiontargets/[^/]+$ {{
            try_files /target.json =404;
        }}
        location ~ ^/api/v2/journey/sessions/[^/]+/segments$ {{
            try_files /segments/$page_size/$after.json =404;
        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def _bodies(
    items: int, target_page_sizes: Sequence[int], segment_page_sizes: Sequence[int], session: str
) -> dict[str, bytes]:
    """{relative file path: body}, each body what `loopback.py` answers to the same request."""
    app = loopback.App(loopback.parse_args(["--items", str(items)]))

    async def answer(target: str) -> bytes:
        status, _, body = await app.handle("GET", target)
        assert status in (200, 404), (target, status)
        return body

    async def build() -> dict[str, bytes]:
        files = {
            "target.json": await answer(f"/api/v2/journey/actiontargets/{TARGET_ID}"),
            "404.json": await answer("/no/such/route"),
        }
        for size in target_page_sizes:
            for number in range(1, max(1, -(-items // size)) + 1):
                files[f"targets/{size}/{number}.json"] = await answer(
                    f"/api/v2/journey/actiontargets?pageSize={size}&pageNumber={number}"
                )
        for size in segment_page_sizes:
            for after in range(0, max(items, 1), size):
                files[f"segments/{size}/{after}.json"] = await answer(
                    f"/api/v2/journey/sessions/{session}/segments?pageSize={size}&after={after}"
                )
        return files

    return asyncio.run(build())


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the benchmark dies (Linux), so a killed run
    leaves no nginx behind (`loopback.py` has `--lifetime` for the same purpose)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(proc: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once the port accepts connections; False if nginx exited first."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def nginx_server(
    *,
    items: int = 1000,
    target_page_sizes: Sequence[int] = (100,),
    segment_page_sizes: Sequence[int] = (200,),
    session: str = SESSION,
) -> Iterator[str]:
    """Start nginx on a free 127.0.0.1 port; yield its base URL; stop it and remove its files.

    Raises `NginxUnavailable` (with `SKIP_MESSAGE`) when nginx is not installed. Segment pages
    take about 0.7 KB an item per page size on disk: keep `items` to what the benchmark needs.
    """
    binary = nginx_binary()
    if binary is None:
        raise NginxUnavailable(SKIP_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="journey-bench-nginx-") as tmp:
        root = Path(tmp)
        for sub in ("www", "tmp"):
            (root / sub).mkdir()
        for name, body in _bodies(items, target_page_sizes, segment_page_sizes, session).items():
            path = root / "www" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        last_error = ""
        for _ in range(5):  # the free port can be taken between probing and nginx's bind
            port = _free_port()
            conf = root / "nginx.conf"
            conf.write_text(CONFIG.format(dir=root, port=port), encoding="utf-8")
            proc = subprocess.Popen(
                # -e: the error log before the configuration is read (default: /var/log/nginx)
                [binary, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
            if _wait_ready(proc, port, time.monotonic() + 10):
                break
            _stop(proc)
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            log = root / "error.log"
            last_error = stderr + (log.read_text(errors="replace") if log.exists() else "")
        else:
            raise RuntimeError(f"nginx did not start:\n{last_error.strip()}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (nginx's fast shutdown), then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if proc.stderr is not None:
        proc.stderr.close()


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args(argv)
    try:
        with nginx_server(items=args.items) as base:
            print(f"port {base.rsplit(':', 1)[1]}", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
    except NginxUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

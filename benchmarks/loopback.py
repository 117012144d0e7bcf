"""A small, fast HTTP/1.1 server on 127.0.0.1 that answers like the Journey API, for benchmarks.

It runs in its own process (so client and server do not share an event loop) and serves:

* `GET /api/v2/journey/actiontargets/{id}`: a small ActionTarget;
* `GET /api/v2/journey/sessions/{id}/segments?pageSize=N&after=K`: pages of generated
  assignments with a `nextUri` cursor, `--items` in all;
* `GET /api/v2/journey/actiontargets?pageNumber=N&pageSize=S`: page-number listing of
  `--items` action targets with `pageCount`;
* `GET /stats`: request counters as JSON; `POST /stats/reset` zeroes them.

Options: `--rate R --burst B` enforce a token bucket (a 429 with `Retry-After` in whole seconds
when it is empty, as Genesys does), `--latency MS` delays every answer.

    python benchmarks/loopback.py --port 0 --items 100000   # prints "port NNNN" when ready
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from urllib.parse import parse_qs, urlsplit

ASSIGNMENT = (
    '{{"id":"a-{i:09d}","state":"Assigned","dateAssigned":"2020-11-02T14:21:07.512Z",'
    '"dateModified":"2020-11-02T14:21:07.512Z","segment":{{"id":"2c8d1a7e-3f4b-4c9d-8e1f-'
    '0a9b8c7d6e5f","scope":"Session","version":3,"selfUri":"/api/v2/journey/segments/2c8d1a7e-'
    '3f4b-4c9d-8e1f-0a9b8c7d6e5f"}},"customerId":"b7a0c3f2-1d4e-4f5a-9b8c-7d6e5f4a3b2c",'
    '"customerIdType":"cookie","externalContact":{{"id":"3a4b5c6d-7e8f-4a9b-8c7d-6e5f4a3b2c1d",'
    '"selfUri":"/api/v2/externalcontacts/contacts/3a4b5c6d-7e8f-4a9b-8c7d-6e5f4a3b2c1d"}},'
    '"session":{{"id":"{session}","type":"web","selfUri":"/api/v2/journey/sessions/{session}"}}}}'
)


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.rate_limited = 0
        self.by_status: dict[int, int] = {}
        self.in_flight = 0
        self.peak_in_flight = 0


class TokenBucket:
    """`rate` tokens per second, up to `burst`; `take()` says how long to wait when empty."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class App:
    def __init__(self, args: argparse.Namespace) -> None:
        self.items = args.items
        self.latency = args.latency / 1000.0
        self.bucket = TokenBucket(args.rate, args.burst) if args.rate else None
        self.stats = Stats()
        self._page_cache: dict[tuple[str, int, int], bytes] = {}
        self._target = (
            '{{"id":"{id}","name":"Target {id}","state":"active","description":"bench",'
            '"supportedMediaTypes":["webchat"],"serviceLevel":{{"percentage":0.8,'
            '"durationMs":20000}},"createdDate":"2020-10-07T12:00:00.000Z",'
            '"selfUri":"/api/v2/journey/actiontargets/{id}"}}'
        )

    def entities(self, session: str, start: int, size: int) -> bytes:
        # Pages are built from one cached 200-item block per session: the server must not
        # be what a streaming benchmark measures.
        key = (session, start % 1000, size)
        block = self._page_cache.get(key)
        if block is None:
            block = ",".join(
                ASSIGNMENT.format(i=start + k, session=session) for k in range(size)
            ).encode()
            if len(self._page_cache) > 64:
                self._page_cache.clear()
            self._page_cache[key] = block
        return block

    async def handle(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        path = url.path
        if path == "/stats":
            s = self.stats
            if method == "POST":
                self.stats = Stats()
                return 204, {}, b""
            body = {
                "requests": s.requests,
                "rate_limited": s.rate_limited,
                "by_status": s.by_status,
                "peak_in_flight": s.peak_in_flight,
            }
            return 200, {}, json.dumps(body).encode()
        if self.bucket is not None:
            wait = self.bucket.take()
            if wait > 0:
                self.stats.rate_limited += 1
                return (
                    429,
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                    b'{"message":"Rate limit exceeded","code":"too.many.requests","status":429}',
                )
        if self.latency:
            await asyncio.sleep(self.latency)
        parts = path.split("/")
        if path.startswith("/api/v2/journey/actiontargets/") and len(parts) == 6:
            return 200, {}, self._target.format(id=parts[5]).encode()
        if path == "/api/v2/journey/actiontargets":
            query = parse_qs(url.query)
            size = int(query.get("pageSize", ["25"])[0])
            number = int(query.get("pageNumber", ["1"])[0])
            count = -(-self.items // size)
            first = (number - 1) * size
            ids = range(first, min(first + size, self.items))
            entities = ",".join(self._target.format(id=f"t-{i}") for i in ids)
            body = (
                f'{{"entities":[{entities}],"pageSize":{size},"pageNumber":{number},'
                f'"total":{self.items},"pageCount":{count}'
            )
            if number < count:
                body += f',"nextUri":"{path}?pageSize={size}&pageNumber={number + 1}"'
            return 200, {}, (body + "}").encode()
        if path.startswith("/api/v2/journey/sessions/") and path.endswith("/segments"):
            query = parse_qs(url.query)
            size = int(query.get("pageSize", ["25"])[0])
            start = int(query.get("after", ["0"])[0])
            end = min(start + size, self.items)
            body = b'{"entities":[' + self.entities(parts[5], start, end - start) + b"]"
            if end < self.items:
                body += f',"nextUri":"{path}?pageSize={size}&after={end}"'.encode()
            return 200, {}, body + b"}"
        return 404, {}, b'{"message":"no route","code":"not.found","status":404}'


class Protocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; requests on one connection are answered in order."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
        self.worker = asyncio.get_running_loop().create_task(self.serve())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = head.split("\r\n", 1)[0].split(" ", 2)
            self.queue.put_nowait((method, target))

    async def serve(self) -> None:
        while True:
            request = await self.queue.get()
            if request is None or self.transport is None or self.transport.is_closing():
                return
            stats = self.app.stats
            stats.requests += 1
            stats.in_flight += 1
            stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
            try:
                status, headers, body = await self.app.handle(*request)
            finally:
                stats.in_flight -= 1
            stats.by_status[status] = stats.by_status.get(status, 0) + 1
            head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
            if body:
                head.append("Content-Type: application/json")
            head.extend(f"{k}: {v}" for k, v in headers.items())
            self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)


async def main(args: argparse.Namespace) -> None:
    app = App(args)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Protocol(app), "127.0.0.1", args.port, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"port {port}", flush=True)
    async with server:
        # Stop by itself: a benchmark server never outlives its run by long.
        await asyncio.sleep(args.lifetime)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second (0: none)")
    parser.add_argument("--burst", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.0, help="milliseconds per answer")
    parser.add_argument("--lifetime", type=float, default=600.0, help="seconds before exiting")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args(sys.argv[1:])))

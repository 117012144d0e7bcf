"""Today's API: decoding a 200-event `EventListing` page, and streaming 100,000 events.

    python benchmarks/bench_events.py [--runs 7] [--events 100000]

* decode: one page of 200 events as the fake Journey API writes it (every event type, with
  their nested objects), timed as the median of `--runs` runs of `--loops` decodes each:
  `json.loads` alone (the floor), `journey_async` decoding into `EventListing` with the standard
  library's parser and, when installed, with orjson. Target: at most 2.2x `json.loads`.
* streaming: `iter_journey_session_events` over one session of `--events` events, pages of 200,
  from the fake served by `python -m journey_async.testing serve` in a process of its own; each
  client runs in a fresh interpreter and reports its RSS after set-up (idle), after 10% of the
  events, at the end, and its peak, beside a bare `httpx` + `json.loads` loop (dicts only).
  Target: RSS flat (the end within a few MiB of the 10% mark, whatever the count).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _util import (  # noqa: E402
    bench_parser,
    current_rss_mib,
    interleaved,
    machine,
    median,
    peak_rss_mib,
    run_child,
    table,
)

TOKEN = "fake-token"
PAGE = 200


# ---------------------------------------------------------------------------------------------
# decode


def event_page() -> bytes:
    """A 200-event page of the fake, as it is sent on the wire."""
    import anyio
    import httpx

    from journey_async.testing import FakeJourneyApi

    api = FakeJourneyApi(external_contacts=1, sessions_per_contact=1, events_per_session=PAGE)

    async def fetch() -> bytes:
        async with httpx.AsyncClient(
            transport=api.transport(), base_url="https://api.fake.invalid"
        ) as http:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            contact = api.external_contact_ids[0]
            session = api.contact_session_ids(contact)[0]
            path = f"/api/v2/journey/sessions/{session}/events"
            response = await http.get(path, params={"pageSize": PAGE}, headers=headers)
            response.raise_for_status()
            return response.content

    return anyio.run(fetch)


def time_decode(runs: int, loops: int) -> list[list[object]]:
    from journey_async import _serde
    from journey_async.models import EventListing

    raw = event_page()
    assert len(json.loads(raw)["entities"]) == PAGE
    decoded = _serde.decode(raw, EventListing)  # warm: build the structure functions once
    assert decoded.entities is not None and len(decoded.entities) == PAGE
    kinds = {type(e.web_event or e.app_event or e.outcome_achieved_event) for e in decoded.entities}
    assert len(kinds) > 1, "the page should hold several event types"

    def timed(fn: object) -> float:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            for _ in range(loops):
                fn(raw)  # type: ignore[operator]
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) / loops * 1000.0

    cases: list[tuple[str, object]] = [("json.loads (dicts)", json.loads)]
    parsers = [("stdlib json", json.loads)]
    with contextlib.suppress(ImportError):
        import orjson

        cases.append(("orjson.loads (dicts)", orjson.loads))
        parsers.append(("orjson", orjson.loads))
    floor = timed(json.loads)
    rows: list[list[object]] = []
    for label, fn in cases:
        ms = floor if fn is json.loads else timed(fn)
        rows.append([label, f"{ms:.3f}", f"{ms / floor:.2f}x"])
    for label, loads in parsers:
        saved, _serde._loads = _serde._loads, loads
        try:
            ms = timed(lambda raw: _serde.decode(raw, EventListing))
        finally:
            _serde._loads = saved
        rows.append(
            [f"journey_async decode -> EventListing ({label})", f"{ms:.3f}", f"{ms / floor:.2f}x"]
        )
    rows.insert(0, [f"page size: {len(raw):,} bytes, {PAGE} events", "", ""])
    return rows


# ---------------------------------------------------------------------------------------------
# streaming


@contextlib.contextmanager
def fake_server(events: int) -> Iterator[str]:
    """The fake Journey API in its own process, one contact with one session of `events`."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "journey_async.testing",
            "serve",
            "--port",
            "0",
            "--external-contacts",
            "1",
            "--sessions-per-contact",
            "1",
            "--events-per-session",
            str(events),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("port "):
                yield f"http://127.0.0.1:{int(line.split()[1])}"
                break
        else:
            raise RuntimeError("the fake did not start")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _session_id(base_url: str) -> str:
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN}"}
    from journey_async.testing import FakeJourneyApi

    # the server's contact ids come from its seed (0, the default): a local fake tells them
    contact = FakeJourneyApi(external_contacts=1).external_contact_ids[0]
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        listing = await http.get(f"/api/v2/externalcontacts/contacts/{contact}/journey/sessions")
        listing.raise_for_status()
        return str(listing.json()["entities"][0]["id"])


async def stream_journey(base_url: str, events: int) -> dict[str, float]:
    from journey_async import JourneyClient

    session = await _session_id(base_url)
    async with JourneyClient(TOKEN, base_url=base_url) as client:
        idle = current_rss_mib()
        count = 0
        tenth = 0.0
        started = time.perf_counter()
        async for event in client.iter_journey_session_events(session, page_size=PAGE):
            count += 1
            if count == events // 10:
                tenth = current_rss_mib()
            del event
        elapsed = time.perf_counter() - started
    assert count == events, count
    end = current_rss_mib()
    return {
        "count": count,
        "rate": count / elapsed,
        "idle": idle,
        "tenth": tenth,
        "end": end,
        "peak": peak_rss_mib(),
    }


async def stream_httpx(base_url: str, events: int) -> dict[str, float]:
    import httpx

    session = await _session_id(base_url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as http:
        idle = current_rss_mib()
        count = 0
        tenth = 0.0
        after: str | None = None
        started = time.perf_counter()
        while True:
            params = {"pageSize": str(PAGE)} | ({"after": after} if after else {})
            response = await http.get(f"/api/v2/journey/sessions/{session}/events", params=params)
            page = json.loads(response.content)
            for _ in page["entities"]:
                count += 1
                if count == events // 10:
                    tenth = current_rss_mib()
            next_uri = page.get("nextUri")
            if not next_uri or not page["entities"]:
                break
            after = httpx.URL(next_uri).params["after"]
        elapsed = time.perf_counter() - started
    assert count == events, count
    end = current_rss_mib()
    return {
        "count": count,
        "rate": count / elapsed,
        "idle": idle,
        "tenth": tenth,
        "end": end,
        "peak": peak_rss_mib(),
    }


CLIENTS = [
    ("httpx + json.loads (dicts only)", "httpx"),
    ("journey_async (typed Event models)", "journey_async"),
]


def child(client: str, base_url: str, events: int) -> None:
    import anyio

    fn = {"journey_async": stream_journey, "httpx": stream_httpx}[client]
    print(json.dumps(anyio.run(fn, base_url, events)))


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--runs", type=int, default=7, help="runs per case (median)")
    parser.add_argument("--loops", type=int, default=50, help="decodes per timed run")
    parser.add_argument("--events", type=int, default=100_000, help="events to stream")
    parser.add_argument("--stream-runs", type=int, default=3, help="streaming runs per client")
    args = parser.parse_args()
    if args.child:
        child(args.client, args.base_url, args.events)
        return
    print(f"# bench_events ({machine()})\n")
    print(f"## decode one 200-event EventListing page (median of {args.runs} x {args.loops})\n")
    print(table(["case", "ms per page", "vs json.loads"], time_decode(args.runs, args.loops)))
    print(
        f"\n## stream {args.events:,} events of one session, pages of {PAGE} "
        f"(median of {args.stream_runs})\n"
    )
    with fake_server(args.events) as base:

        def measure(case: tuple[str, str]) -> dict[str, float]:
            return run_child(
                [
                    __file__,
                    "--child",
                    "--client",
                    case[1],
                    "--base-url",
                    base,
                    "--events",
                    str(args.events),
                ]
            )

        results = interleaved(args.stream_runs, CLIENTS, measure)
    rows = []
    for (label, _), runs in zip(CLIENTS, results, strict=True):
        rows.append(
            [
                label,
                f"{median([r['rate'] for r in runs]):,.0f}",
                f"{median([r['idle'] for r in runs]):.1f}",
                f"{median([r['tenth'] for r in runs]):.1f}",
                f"{median([r['end'] for r in runs]):.1f}",
                f"{median([r['end'] - r['tenth'] for r in runs]):+.1f}",
                f"{median([r['peak'] for r in runs]):.1f}",
            ]
        )
    print(
        table(
            [
                "client",
                "events/s",
                "idle RSS MiB",
                "RSS at 10%",
                "RSS at end",
                "end - 10%",
                "peak RSS",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()

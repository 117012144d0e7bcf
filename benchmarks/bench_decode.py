"""Decode cost of one 200-item `SegmentAssignmentListing` page, against json.loads and cattrs.

Run with `python benchmarks/bench_decode.py` (options: `--runs`, `--loops`, `--items`).

Cases, each timed with `time.perf_counter` as the median of `--runs` runs of `--loops` decodes:

* `json.loads`: parsing alone, the floor every decoder pays;
* `journey_async decode`: `journey_async._serde.decode` into models (strict type checks, aware
  datetimes, enum members, JSON paths on error);
* `cattrs generic structure`: `json.loads` + a plain `cattrs.Converter` with
  `make_dict_structure_fn` and `override(rename=...)` camelCase renames, the obvious baseline;
* the official SDK (`PureCloudPlatformClientV2`, the `bench` extra) deserializing the same page,
  when it is installed (its v269 models know fewer fields, so it does less work per item).
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import platform
import statistics
import sys
import time
import typing
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

import journey_async._generated.models
from journey_async import _serde
from journey_async._serde import decode
from journey_async._wire import format_datetime, to_camel
from journey_async.models import (
    AddressableEntityRef,
    SegmentAssignment,
    SegmentAssignmentListing,
    SegmentAssignmentSegment,
    SegmentAssignmentSession,
)

BASE = "/api/v2/journey/customers/cookie/b7a0c3f2-1d4e-4f5a-9b8c-7d6e5f4a3b2c/segments"


def build_page(items: int) -> bytes:
    """A page like the OpenAPI example, every field filled, distinct ids and timestamps."""
    start = datetime(2020, 10, 1, 8, 0, 0, tzinfo=timezone.utc)
    entities = []
    for i in range(items):
        assigned = start + timedelta(minutes=37 * i, milliseconds=7 * i + 1)
        segment_id = str(uuid.UUID(int=0x2C8D1A7E_3F4B_4C9D_8E1F_000000000000 + i % 17))
        session_id = str(uuid.UUID(int=0x5D6E7F80_91A2_4B3C_8D4E_000000000000 + i))
        contact_id = str(uuid.UUID(int=0x3A4B5C6D_7E8F_4A9B_8C7D_000000000000 + i))
        entities.append(
            {
                "id": str(uuid.UUID(int=0xA1B2C3D4_E5F6_4A7B_8C9D_000000000000 + i)),
                "state": "Assigned" if i % 3 else "Unassigned",
                "dateAssigned": format_datetime(assigned),
                "dateUnassigned": format_datetime(assigned + timedelta(days=1)),
                "dateModified": format_datetime(assigned + timedelta(hours=1, milliseconds=3)),
                "dateForUnassignment": format_datetime(assigned + timedelta(days=30)),
                "segment": {
                    "id": segment_id,
                    "scope": "Session" if i % 2 else "Customer",
                    "version": 1 + i % 5,
                    "selfUri": f"/api/v2/journey/segments/{segment_id}",
                },
                "customerId": f"b7a0c3f2-1d4e-4f5a-9b8c-{i:012x}",
                "customerIdType": "cookie",
                "session": {
                    "id": session_id,
                    "type": "web",
                    "selfUri": f"/api/v2/journey/sessions/{session_id}",
                },
                "externalContact": {
                    "id": contact_id,
                    "selfUri": f"/api/v2/externalcontacts/contacts/{contact_id}",
                },
            }
        )
    page = {
        "entities": entities,
        "selfUri": f"{BASE}?pageSize={items}",
        "nextUri": f"{BASE}?pageSize={items}&after=eyJsYXN0SWQiOiJmMGUxZDJjMyJ9",
        "previousUri": f"{BASE}?pageSize={items}&after=eyJmaXJzdElkIjoiYTFiMmMzZDQifQ",
    }
    return json.dumps(page).encode()


def generic_cattrs_converter() -> cattrs.Converter:
    """A plain cattrs Converter: generated dict hooks with camelCase renames, ISO datetimes."""
    conv = cattrs.Converter()
    conv.register_structure_hook(datetime, lambda value, _type: datetime.fromisoformat(value))

    def is_enum_or_str(tp: Any) -> bool:
        args = typing.get_args(tp)
        return str in args and any(isinstance(a, type) and issubclass(a, enum.Enum) for a in args)

    def enum_or_str(tp: Any) -> Callable[[Any, Any], Any]:
        (enum_cls,) = [
            a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, enum.Enum)
        ]
        members = enum_cls._value2member_map_
        return lambda value, _type: None if value is None else members.get(value, value)

    conv.register_structure_hook_factory(is_enum_or_str, enum_or_str)
    for cls in (
        AddressableEntityRef,
        SegmentAssignmentSession,
        SegmentAssignmentSegment,
        SegmentAssignment,
        SegmentAssignmentListing,
    ):
        # The package resolves its models' annotations lazily; the baseline needs them now.
        attrs.resolve_types(cls, globalns=vars(journey_async._generated.models))
        renames = {f.name: override(rename=to_camel(f.name)) for f in attrs.fields(cls)}
        conv.register_structure_hook(cls, make_dict_structure_fn(cls, conv, **renames))
    return conv


def measure(fn: Callable[[], object], runs: int, loops: int) -> float:
    """Median over `runs` of the time of `loops` calls, in milliseconds per call."""
    fn()  # warm-up (first-call hook generation, caches)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) / loops * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per case (median; >= 7)")
    parser.add_argument("--loops", type=int, default=500, help="decodes per run")
    parser.add_argument("--items", type=int, default=200, help="entities per page")
    args = parser.parse_args(argv)
    if args.runs < 7:
        parser.error("--runs must be at least 7")

    body = build_page(args.items)
    conv = generic_cattrs_converter()

    # The cases must agree before their speed means anything.
    ours = decode(body, SegmentAssignmentListing)
    theirs = conv.structure(json.loads(body), SegmentAssignmentListing)
    assert ours == theirs, "journey_async and the cattrs baseline decode the page differently"
    assert ours.entities is not None
    assert len(ours.entities) == args.items
    assert len({e.id for e in ours.entities}) == args.items
    assert len({e.date_assigned for e in ours.entities}) == args.items

    cases: list[tuple[str, Callable[[], object]]] = [
        ("json.loads", lambda: json.loads(body)),
        ("journey_async decode, stdlib json", _with_parser("json", body)),
    ]
    if _serde.json_backend() == "orjson":
        import orjson

        cases.append(("orjson.loads (reference)", lambda: orjson.loads(body)))
        cases.append(("journey_async decode, orjson (the `orjson` extra)", _with_parser("", body)))
    cases.append(
        (
            "cattrs generic structure",
            lambda: conv.structure(json.loads(body), SegmentAssignmentListing),
        )
    )
    sdk = _sdk_decoder(body)
    results = [(name, measure(fn, args.runs, args.loops)) for name, fn in cases]
    sdk_ms = measure(sdk, 5, 20) if sdk is not None else None
    floor = results[0][1]

    print(f"Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"CPU count: {os.cpu_count()}; platform: {platform.platform()}")
    print(
        f"Page: SegmentAssignmentListing, {args.items} items, {len(body)} bytes; "
        f"median of {args.runs} runs x {args.loops} decodes"
    )
    print()
    print("| case | median ms per page | ratio to json.loads | the SDK takes |")
    print("|---|---:|---:|---:|")
    for name, ms in results:
        vs_sdk = f"{sdk_ms / ms:.1f}x as long" if sdk_ms is not None else "-"
        print(f"| {name} | {ms:.3f} | {ms / floor:.2f}x | {vs_sdk} |")
    if sdk_ms is not None:
        print(
            f"| official SDK (PureCloudPlatformClientV2) | {sdk_ms:.3f} | {sdk_ms / floor:.2f}x | |"
        )
    else:
        print(
            "| official SDK (PureCloudPlatformClientV2) | not installed (the `bench` extra) | - | |"
        )
    return 0


def _with_parser(parser: str, body: bytes) -> Callable[[], object]:
    """`decode` with the stdlib parser ("json") or the one picked by default ("")."""
    chosen = json.loads if parser == "json" else None

    def run() -> object:
        saved, _serde._loads = _serde._loads, chosen
        try:
            return decode(body, SegmentAssignmentListing)
        finally:
            _serde._loads = saved

    return run


def _sdk_decoder(body: bytes) -> Callable[[], object] | None:
    """The official SDK's own deserializer on the same page, when the SDK is installed."""
    try:
        import PureCloudPlatformClientV2 as sdk  # type: ignore[import-not-found]
    except ImportError:
        return None

    class Response:  # the shape ApiClient.deserialize reads
        data = body.decode()

        def getheader(self, name: str) -> str:
            return "application/json"

    client = sdk.ApiClient()
    return lambda: client.deserialize(Response(), "SegmentAssignmentListing")


if __name__ == "__main__":
    sys.exit(main())

"""`python -m journey_async.testing serve`: the fake Journey API on a loopback port."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from ._fake import FakeJourneyApi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m journey_async.testing", description="Serve the fake Journey API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the fake on a loopback port")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--action-targets", type=int, default=50)
    run.add_argument("--sessions", type=int, default=10)
    run.add_argument("--assignments-per-session", type=int, default=60)
    run.add_argument("--external-contacts", type=int, default=10)
    run.add_argument("--sessions-per-contact", type=int, default=3)
    run.add_argument("--events-per-session", type=int, default=40)
    run.add_argument(
        "--job-polls", type=int, default=0, help="status polls before an aggregates job is done"
    )
    run.add_argument(
        "--job-seconds", type=float, default=0.0, help="seconds before an aggregates job is done"
    )
    run.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    run.add_argument("--rate-limit", type=float, default=0.0, help="requests per second")
    run.add_argument("--no-auth", action="store_true", help="accept requests without a token")
    run.add_argument(
        "--server",
        choices=("builtin", "uvicorn"),
        default="builtin",
        help="builtin (no dependencies) or uvicorn (pip install 'journey-async[fake]')",
    )
    args = parser.parse_args(argv)

    api = FakeJourneyApi(
        seed=args.seed,
        action_targets=args.action_targets,
        sessions=args.sessions,
        assignments_per_session=args.assignments_per_session,
        external_contacts=args.external_contacts,
        sessions_per_contact=args.sessions_per_contact,
        events_per_session=args.events_per_session,
        job_polls=args.job_polls,
        job_seconds=args.job_seconds,
        require_auth=not args.no_auth,
    )
    api.faults.latency = args.latency
    if args.rate_limit:
        api.faults.rate_limit = (args.rate_limit, args.rate_limit)
    if args.server == "uvicorn":
        try:
            import uvicorn  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            print("uvicorn is not installed: pip install 'journey-async[fake]'", file=sys.stderr)
            return 2
        uvicorn.run(api.asgi, host=args.host, port=args.port, log_level="warning")
        return 0

    async def serve_forever() -> None:
        async with api.serve(args.host, args.port) as url:
            print(f"fake Journey API on {url} (token: fake-token; session {api.session_ids[0]})")
            print(f"port {url.rsplit(':', 1)[1]}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A loopback stand-in for many remote servers' inboxes: POST /inbox/{n} verifies the HTTP signature
against the one sender key it was given and counts; GET /stats reports. Used by B4 and B5.

Usage: python bench/sink.py PORT PUBLIC_KEY_PEM_FILE [--slow-every N --slow-seconds S --fail-every N --dead-every N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spark.federation.signatures import SignatureError, verify_request  # noqa: E402


def kind_of(n: int, args) -> str:
    """What inbox n does: "dead" (never answers), "fail" (answers 500), "slow" (answers after a while) or
    "healthy"; the modulo rules keep the groups apart for the defaults B5 uses (5, 10, 20)."""
    if args.dead_every and n % args.dead_every == 0:
        return "dead"
    if args.fail_every and n % args.fail_every == 1:
        return "fail"
    if args.slow_every and n % args.slow_every == 2:
        return "slow"
    return "healthy"


def build(public_pem: str, args) -> Starlette:
    stats = {"received": 0, "verified": 0, "bad_signatures": 0, "first_at": None, "last_at": None, "by_inbox": {},
             "requests": {"dead": 0, "fail": 0, "slow": 0, "healthy": 0}, "verified_healthy": 0,
             "last_healthy_at": None, "max_in_flight_dead": 0}
    in_flight: dict[int, int] = {}

    async def never_answer(request, n: int) -> Response:
        """Hold the request open until the sender gives up, counting requests in flight per host."""
        in_flight[n] = in_flight.get(n, 0) + 1
        stats["max_in_flight_dead"] = max(stats["max_in_flight_dead"], in_flight[n])
        try:
            while not await request.is_disconnected():
                await asyncio.sleep(0.5)
        finally:
            in_flight[n] -= 1
        return Response(status_code=504)

    async def inbox(request):
        n = int(request.path_params["n"])
        body = await request.body()
        kind = kind_of(n, args)
        stats["requests"][kind] += 1
        if kind == "dead":
            return await never_answer(request, n)
        if kind == "fail":
            return Response(status_code=500)
        if kind == "slow":
            await asyncio.sleep(args.slow_seconds)
        now = time.time()
        stats["received"] += 1
        stats["first_at"] = stats["first_at"] or now
        try:
            verify_request("POST", f"http://{request.headers['host']}{request.url.path}", request.headers, body,
                           public_pem)
        except SignatureError:
            stats["bad_signatures"] += 1
            return Response(status_code=401)
        stats["verified"] += 1
        stats["by_inbox"][n] = stats["by_inbox"].get(n, 0) + 1
        stats["last_at"] = now
        if kind == "healthy":
            stats["verified_healthy"] += 1
            stats["last_healthy_at"] = now
        return Response(status_code=202)

    async def report(_request):
        return JSONResponse({k: v for k, v in stats.items() if k != "by_inbox"}
                            | {"inboxes": len(stats["by_inbox"]), "in_flight_dead": sum(in_flight.values())})

    return Starlette(routes=[Route("/inbox/{n:int}", inbox, methods=["POST"]), Route("/stats", report)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("public_key_file")
    parser.add_argument("--slow-every", type=int, default=0)
    parser.add_argument("--slow-seconds", type=float, default=8.0)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--dead-every", type=int, default=0)
    args = parser.parse_args()
    app = build(Path(args.public_key_file).read_text(), args)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", loop="uvloop", http="httptools",
                backlog=4096, timeout_keep_alive=60)


if __name__ == "__main__":
    main()

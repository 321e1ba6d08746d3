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


def build(public_pem: str, args) -> Starlette:
    stats = {"received": 0, "verified": 0, "bad_signatures": 0, "first_at": None, "last_at": None, "by_inbox": {}}

    async def inbox(request):
        n = int(request.path_params["n"])
        body = await request.body()
        if args.dead_every and n % args.dead_every == 0:
            await asyncio.sleep(3600)  # never answers
        if args.fail_every and n % args.fail_every == 1:
            return Response(status_code=500)
        if args.slow_every and n % args.slow_every == 2:
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
        return Response(status_code=202)

    async def report(_request):
        return JSONResponse({k: v for k, v in stats.items() if k != "by_inbox"}
                            | {"inboxes": len(stats["by_inbox"])})

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

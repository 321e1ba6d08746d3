"""B3 — streaming delivery: N listeners (half SSE, half WebSocket `user` streams) follow one author
who posts P times; measures post→event latency over every delivery, missed deliveries, and server
memory per idle connection. Then the floor (bench/floor_broadcast.py: same server stack, one
pre-rendered message written to every connection) the same way, and prints one line:

  B3 streaming sqlite N=10000: spark p50 … p99 … max … | floor … | ratio (floor p99 / spark p99) …

Usage: python bench/b3_streaming.py [--listeners 10000] [--posts 10] [--backend sqlite|postgres]
       [--workers 1] [--skip-floor]
PostgreSQL runs use Redis for pub/sub (--redis-url, default redis://127.0.0.1:6379/1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import httpx
import uvloop
from websockets.asyncio.client import connect as ws_connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, children, empty_redis, free_port, seeded_database, start, stop  # noqa: E402
from bench.seed import AUTHOR_TOKEN, listener_token, seed_audience  # noqa: E402

ID = re.compile(rb'"id":"(\d+)"')
ESCAPED_ID = re.compile(r'\\"id\\":\\"(\d+)')  # inside a WebSocket frame's JSON-encoded payload
OPEN_AT_ONCE = 400  # connections opened concurrently, to stay under the listen backlog


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children, KiB."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


class Listeners:
    """N open streams recording when each status id arrived."""

    def __init__(self):
        self.arrivals: dict[bytes, list[float]] = {}
        self.errors = 0
        self.tasks: list[asyncio.Task] = []

    def arrived(self, payload: bytes) -> None:
        match = ID.search(payload)
        if match:
            self.arrivals.setdefault(match.group(1), []).append(time.perf_counter())

    async def sse(self, host: str, port: int, path: str, token: str | None, ready: asyncio.Event) -> None:
        try:
            reader, writer = await asyncio.open_connection(host, port)
            auth = f"Authorization: Bearer {token}\r\n" if token else ""
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}Accept: text/event-stream\r\n\r\n"
                         .encode())
            status = await reader.readline()
            if b" 200 " not in status:
                raise ConnectionError(status.decode(errors="replace"))
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            ready.set()
            while True:  # chunked transfer: size line, data, CRLF
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                chunk = await reader.readexactly(size + 2)
                if chunk.startswith(b"event: update"):
                    self.arrived(chunk)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            self.errors += 1
            ready.set()

    async def websocket(self, url: str, ready: asyncio.Event) -> None:
        try:
            async with ws_connect(url, open_timeout=60, ping_interval=None, max_queue=None) as ws:
                ready.set()
                async for message in ws:  # cheap parsing: the load generator shares the cores
                    if '"event":"update"' in message and (match := ESCAPED_ID.search(message)):
                        self.arrivals.setdefault(match.group(1).encode(), []).append(time.perf_counter())
        except (OSError, ConnectionError, Exception):  # noqa: BLE001 - any failure counts as an error
            self.errors += 1
            ready.set()

    async def open(self, count: int, make) -> float:
        """Open `count` connections, OPEN_AT_ONCE at a time; returns seconds taken."""
        started = time.perf_counter()
        for batch in range(0, count, OPEN_AT_ONCE):
            readies = []
            for i in range(batch, min(batch + OPEN_AT_ONCE, count)):
                ready = asyncio.Event()
                readies.append(ready)
                self.tasks.append(asyncio.create_task(make(i, ready)))
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        return time.perf_counter() - started

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def measure(base: str, pid: int, listeners: int, posts: int, *, floor: bool) -> dict:
    host, port = base.removeprefix("http://").split(":")
    port = int(port)
    group = Listeners()
    rss_before = rss_kib(pid)

    def make(i: int, ready: asyncio.Event):
        if i % 2 == 0:
            path = "/floor/stream" if floor else "/api/v1/streaming/user"
            return group.sse(host, port, path, None if floor else listener_token(i), ready)
        ws = base.replace("http://", "ws://")
        url = f"{ws}/floor/ws" if floor else f"{ws}/api/v1/streaming?stream=user&access_token={listener_token(i)}"
        return group.websocket(url, ready)

    connect_seconds = await group.open(listeners, make)
    await asyncio.sleep(2)
    rss_after = rss_kib(pid)
    sent: dict[bytes, float] = {}
    answered: list[float] = []
    payload = json.dumps({"id": "0", "content": "<p>" + "x" * 300 + "</p>", "account": {"id": "1"}}).encode()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for n in range(posts):
            started = time.perf_counter()
            if floor:
                status_id = str(10**17 + n).encode()
                sent[status_id] = started
                await http.post("/floor/publish", content=payload.replace(b'"id": "0"', b'"id":"' + status_id + b'"'))
            else:
                response = await http.post("/api/v1/statuses", data={"status": f"post {n} to everyone"},
                                           headers={"Authorization": f"Bearer {AUTHOR_TOKEN}"})
                response.raise_for_status()
                sent[response.json()["id"].encode()] = started
            answered.append(time.perf_counter() - started)
            await asyncio.sleep(1)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and sum(len(group.arrivals.get(s, [])) for s in sent) < \
                len(sent) * (listeners - group.errors):
            await asyncio.sleep(0.2)
    latencies = sorted(t - sent[s] for s in sent for t in group.arrivals.get(s, []))
    await group.close()
    expected = len(sent) * listeners
    return {
        "connect_s": connect_seconds, "errors": group.errors, "delivered": len(latencies), "expected": expected,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "kib_per_connection": (rss_after - rss_before) / max(listeners, 1),
        "post_p50": statistics.median(answered),
    }


def describe(f: dict) -> str:
    missed = f["expected"] - f["delivered"]
    return (f"p50 {f['p50'] * 1000:.0f} ms p99 {f['p99'] * 1000:.0f} ms max {f['max'] * 1000:.0f} ms, "
            f"{f['delivered']}/{f['expected']} delivered{f' ({missed} missed)' if missed else ''}, "
            f"{f['errors']} connection errors, {f['kib_per_connection']:.0f} KiB/connection, "
            f"connected in {f['connect_s']:.1f} s, POST answered in {f['post_p50'] * 1000:.0f} ms (p50)")


def prepare(args) -> str:
    return seeded_database(f"b3-{args.backend}-{args.listeners}", args.backend, args.postgres_url,
                           lambda url: asyncio.run(seed_audience(url, args.listeners)))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description="B3 streaming delivery benchmark")
    parser.add_argument("--listeners", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args()

    url = prepare(args)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / "runtime"),
           "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT),
           "SPARK_STREAMING_MAX_CONNECTIONS": str(args.listeners + 100)}
    if args.backend == "postgres":
        env["SPARK_REDIS_URL"] = empty_redis(args.redis_url)
    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(args.workers), "--log-level", "warning"], env, base + "/health")
    try:
        figures = uvloop.run(measure(base, spark.pid, args.listeners, args.posts, floor=False))
    finally:
        stop(spark)
    line = f"B3 streaming {args.backend} w={args.workers} N={args.listeners} posts={args.posts}: spark {describe(figures)}"
    if not args.skip_floor:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        floor = start([sys.executable, "-m", "uvicorn", "--factory", "bench.floor_broadcast:create_app",
                       "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                       "--no-access-log", "--log-level", "warning"], env, base + "/floor/publish")
        try:
            floor_figures = uvloop.run(measure(base, floor.pid, args.listeners, args.posts, floor=True))
        finally:
            stop(floor)
        ratio = floor_figures["p99"] / figures["p99"] if figures["p99"] else float("nan")
        line += f" | floor {describe(floor_figures)} | ratio {ratio:.2f}"
    print(line + " | target p99 <= 1 s at 10K (issue 4: 2 s), <= 48 KiB/connection, ratio >= 0.5", flush=True)


if __name__ == "__main__":
    main()

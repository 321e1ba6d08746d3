"""B2 — post and fan-out: an author with F local followers posts P times through the API; measures
POST latency and the time until the post is on 100% of the followers' home feeds (polling the
database). The floor is the unavoidable work: one batched INSERT … SELECT of the same F feed rows
on the same database, timed in-process. Prints one line per F:

  B2 fanout sqlite F=10000: spark POST p50 … p99 …, full fan-out p50 … max … | floor … | ratio …

Past the celebrity threshold (SPARK_CELEBRITY_FOLLOWERS, 50,000 by default; --celebrity-followers sets
it) nothing is fanned out: the post is merged into followers' home timelines when they read them. Then
"on every feed" is the time until the post tops the home timeline of 10 followers read through the
API, and the line also gives the feed rows written per post (1: the author's own).

Usage: python bench/b2_fanout.py [--followers 100,10000,100000] [--posts 20] [--backend sqlite|postgres]
                                 [--celebrity-followers N]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, insert, literal, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, free_port, seeded_database, start, stop  # noqa: E402
from bench.seed import AUTHOR_TOKEN, listener_token, seed_audience  # noqa: E402
from spark.adapters.db import schema as t  # noqa: E402
from spark.adapters.db.database import Database  # noqa: E402
from spark.config import normalize_database_url  # noqa: E402


def prepare(backend: str, followers: int, postgres_url: str) -> str:
    return seeded_database(f"b2-{backend}-{followers}", backend, postgres_url,
                           lambda url: asyncio.run(seed_audience(url, followers)))[0]


async def on_feeds(db: Database, status_id: int) -> int:
    async with db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(t.home_feed).where(
            t.home_feed.c.status_id == status_id))


async def merged_at_read(db: Database) -> bool:
    async with db.read() as conn:
        return bool(await conn.scalar(select(t.accounts.c.merge_at_read).where(t.accounts.c.username == "author")))


async def on_home_timelines(http: httpx.AsyncClient, readers: list[str], status_id: int) -> bool:
    """Whether the post tops each reader's home timeline, read through the API."""
    for token in readers:
        response = await http.get("/api/v1/timelines/home", params={"limit": 1},
                                  headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        if not response.json() or int(response.json()[0]["id"]) != status_id:
            return False
    return True


async def measure_spark(base: str, url: str, followers: int, posts: int) -> dict:
    db = Database(normalize_database_url(url))
    post_seconds, full_seconds, rows_written = [], [], []
    readers = [listener_token(i) for i in range(0, followers, max(1, followers // 10))]
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        # Not measured: a first post, which may be the one that crosses the celebrity threshold (still
        # fanned out, while the account is marked for the next ones).
        marked = await merged_at_read(db)
        response = await http.post("/api/v1/statuses", data={"status": "warm-up"},
                                   headers={"Authorization": f"Bearer {AUTHOR_TOKEN}"})
        deadline = time.perf_counter() + 60
        while not marked and await on_feeds(db, int(response.json()["id"])) < followers + 1 \
                and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        for n in range(posts):
            started = time.perf_counter()
            response = await http.post("/api/v1/statuses", data={"status": f"fan-out {n}"},
                                       headers={"Authorization": f"Bearer {AUTHOR_TOKEN}"})
            response.raise_for_status()
            post_seconds.append(time.perf_counter() - started)
            status_id = int(response.json()["id"])
            deadline = started + 60
            if await merged_at_read(db):
                while not await on_home_timelines(http, readers, status_id) and time.perf_counter() < deadline:
                    await asyncio.sleep(0.005)
            else:
                while await on_feeds(db, status_id) < followers + 1 and time.perf_counter() < deadline:
                    await asyncio.sleep(0.005)
            full_seconds.append(time.perf_counter() - started)
            rows_written.append(await on_feeds(db, status_id))
    merged = await merged_at_read(db)
    await db.dispose()
    return {"post": sorted(post_seconds), "full": sorted(full_seconds), "merged": merged,
            "rows": max(rows_written)}


async def measure_floor(url: str, posts: int) -> list[float]:
    """The same rows written by one INSERT … SELECT per post, rolled back so nothing accumulates."""
    db = Database(normalize_database_url(url))
    author = select(t.accounts.c.id).where(t.accounts.c.username == "author").scalar_subquery()
    seconds = []
    for n in range(posts):
        async with db._writer.connect() as conn:  # noqa: SLF001 - a bare transaction, rolled back
            transaction = await conn.begin()
            started = time.perf_counter()
            await conn.execute(insert(t.home_feed).from_select(
                ["account_id", "status_id"],
                select(t.follows.c.account_id, literal(10**18 + n)).where(t.follows.c.target_account_id == author)))
            seconds.append(time.perf_counter() - started)
            await transaction.rollback()
    await db.dispose()
    return sorted(seconds)


def pct(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank)."""
    return values[min(len(values) - 1, max(math.ceil(len(values) * q) - 1, 0))]


def main() -> None:
    parser = argparse.ArgumentParser(description="B2 post and fan-out benchmark")
    parser.add_argument("--followers", default="100,10000,100000")
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--celebrity-followers", type=int, help="SPARK_CELEBRITY_FOLLOWERS for the server")
    args = parser.parse_args()
    for followers in [int(f) for f in args.followers.split(",")]:
        url = prepare(args.backend, followers, args.postgres_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / "runtime"),
               "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
        if args.celebrity_followers is not None:
            env["SPARK_CELEBRITY_FOLLOWERS"] = str(args.celebrity_followers)
        spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                       "--log-level", "warning"], env, base + "/health")
        try:
            figures = asyncio.run(measure_spark(base, url, followers, args.posts))
        finally:
            stop(spark)
        floor = asyncio.run(measure_floor(url, args.posts))
        full, post = figures["full"], figures["post"]
        ratio = statistics.median(floor) / statistics.median(full)
        mode = "merged at read" if figures["merged"] else "fanned out"
        print(f"B2 fanout {args.backend} F={followers} posts={args.posts} ({mode}, feed rows per post "
              f"{figures['rows']:,}): spark POST p50 "
              f"{statistics.median(post) * 1000:.0f} ms p99 {pct(post, 0.99) * 1000:.0f} ms, on every feed after "
              f"p50 {statistics.median(full) * 1000:.0f} ms max {full[-1] * 1000:.0f} ms "
              f"({followers / statistics.median(full):,.0f} rows/s) | floor batched insert p50 "
              f"{statistics.median(floor) * 1000:.0f} ms ({followers / statistics.median(floor):,.0f} rows/s) | "
              f"ratio {ratio:.2f} | target POST p99 <= 50 ms; 10K <= 0.2 s, 100K <= 2 s; ratio >= 0.25", flush=True)


if __name__ == "__main__":
    main()

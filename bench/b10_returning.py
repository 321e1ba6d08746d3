"""B10 — a returning user: inactive for 30 days, follows 500 accounts, opens home. Each figure beside a floor.

Seeds (once, then reused; each run works on a fresh copy) U+1 returning users who each follow 500 of 1,000
authors; the authors posted --posts-per-followee public posts each during the 30 days away, and other
accounts posted more that nobody here follows. Spark fills every local home feed by fan-out on write and
never drops or trims it, so the users' feeds hold everything the accounts they follow posted while they
were away (500 × 60 = 30,000 rows each by default): the seed writes exactly those rows.

1. First page: `spark serve` is started, user 0 opens home once (warm-up: lazy imports, statement cache),
   then each other user's first GET /api/v1/timelines/home?limit=40 since the server started is timed (must
   be 200 with 40 posts — no 206 "feed being regenerated"), then 10 more of the same (warm).
   Floor: bench/floor_app.py (same server, database, serializer; one indexed read of 40 posts, no auth, no
   hydration), same procedure.
2. Full feed rebuild: Spark has no rebuild path (feeds are never dropped), so the figure is what Spark's own
   follow code does to fill a feed: one transaction calling spark.services.feeds.merge_account for each of
   the 500 followed accounts (40 newest posts each), on an emptied feed, server stopped.
   Floors: one INSERT … SELECT of the same rows (ROW_NUMBER() per author ≤ 40), and one of the newest 800
   (DESIGN.md's bounded feed).

Usage:
  .venv/bin/python bench/b10_returning.py                     # SQLite
  .venv/bin/python bench/b10_returning.py --backend postgres  # PostgreSQL + Redis
  options: [--users 5] [--follows 500] [--posts-per-followee 60] [--other-accounts 5000] [--other-posts 100000]
           [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, empty_redis, free_port, pg_admin, seeded_database, start, stop  # noqa: E402
from bench.seed import returning_token, seed_returning  # noqa: E402


def fresh_copy(args, url: str) -> str:
    if args.backend == "sqlite":
        source = Path(url.removeprefix("sqlite:///"))
        target = DATA / "b10-run" / "spark.sqlite3"
        shutil.rmtree(target.parent, ignore_errors=True)
        target.parent.mkdir(parents=True)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
        return f"sqlite:///{target}"
    name = url.rsplit("/", 1)[1]
    pg_admin(args.postgres_url, "DROP DATABASE IF EXISTS b10_run")
    pg_admin(args.postgres_url, f'CREATE DATABASE b10_run TEMPLATE "{name}"')
    copy = f"{url.rsplit('/', 1)[0]}/b10_run"
    pg_admin(copy, "ANALYZE")  # planner statistics, as autovacuum would have them on a live server
    return copy


def first_pages(base: str, path_for, users: list[int], check_status: bool) -> dict:
    """Time each user's first page (user 0 is the warm-up), then 10 warm repeats each."""
    session = requests.Session()

    def get(i: int) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        path, headers = path_for(i)
        response = session.get(base + path, headers=headers, timeout=30)
        return (time.perf_counter() - started) * 1000, response

    get(0)
    firsts, warm, codes = [], [], []
    for i in range(1, len(users)):
        ms, response = get(i)
        firsts.append(ms)
        codes.append(response.status_code)
        if check_status:
            assert response.status_code == 200 and len(response.json()) == 40, (response.status_code,
                                                                                response.text[:300])
        warm += [get(i)[0] for _ in range(10)]
    return {"first_p50": statistics.median(firsts), "first_max": max(firsts), "warm_p50": statistics.median(warm),
            "codes": sorted(set(codes))}


async def rebuilds(url: str, users: list[int]) -> dict:
    """Per user: Spark's merge_account over all followed accounts, then the two floors, on an emptied feed."""
    from sqlalchemy import delete, func, insert, literal, select

    from spark.adapters.db import schema as t
    from spark.adapters.db.database import Database
    from spark.config import normalize_database_url
    from spark.services import feeds

    db = Database(normalize_database_url(url))

    async def empty(user: int) -> None:
        async with db.write() as conn:
            await conn.execute(delete(t.home_feed).where(t.home_feed.c.account_id == user))

    async def count(user: int) -> int:
        async with db.read() as conn:
            return await conn.scalar(select(func.count()).select_from(t.home_feed)
                                     .where(t.home_feed.c.account_id == user))

    async def spark(user: int) -> None:
        async with db.write() as conn:
            targets = list((await conn.execute(select(t.follows.c.target_account_id)
                                               .where(t.follows.c.account_id == user))).scalars())
            for target in targets:
                await feeds.merge_account(conn, follower_id=user, target_id=target)

    async def floor_same(user: int) -> None:
        ranked = (select(t.statuses.c.id, func.row_number().over(
            partition_by=t.statuses.c.account_id, order_by=t.statuses.c.id.desc()).label("n"))
            .where(t.statuses.c.account_id.in_(select(t.follows.c.target_account_id)
                                               .where(t.follows.c.account_id == user)),
                   t.statuses.c.visibility < 3).subquery())
        async with db.write() as conn:
            await conn.execute(insert(t.home_feed).from_select(
                ["account_id", "status_id"], select(literal(user), ranked.c.id).where(ranked.c.n <= feeds.MERGE_ON_FOLLOW)))

    async def floor_800(user: int) -> None:
        newest = (select(literal(user), t.statuses.c.id)
                  .where(t.statuses.c.account_id.in_(select(t.follows.c.target_account_id)
                                                     .where(t.follows.c.account_id == user)),
                         t.statuses.c.visibility < 3).order_by(t.statuses.c.id.desc()).limit(800))
        async with db.write() as conn:
            await conn.execute(insert(t.home_feed).from_select(["account_id", "status_id"], newest))

    times = {"spark": [], "floor": [], "floor800": []}
    rows = {}
    for user in users:
        for name, how in (("spark", spark), ("floor", floor_same), ("floor800", floor_800)):
            await empty(user)
            started = time.perf_counter()
            await how(user)
            times[name].append(time.perf_counter() - started)
            rows[name] = await count(user)
    await db.dispose()
    return {name: statistics.median(v) for name, v in times.items()} | {"rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description="B10 returning user benchmark")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis-url", default=os.environ.get("SPARK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"))
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--follows", type=int, default=500)
    parser.add_argument("--posts-per-followee", type=int, default=60)
    parser.add_argument("--other-accounts", type=int, default=5000)
    parser.add_argument("--other-posts", type=int, default=100_000)
    args = parser.parse_args()

    seeded, facts = seeded_database(
        f"b10-{args.backend}-{args.users}-{args.follows}-{args.posts_per_followee}-{args.other_posts}", args.backend,
        args.postgres_url, lambda u: asyncio.run(seed_returning(u, args.users + 1, args.follows,
                                                                args.posts_per_followee, args.other_accounts,
                                                                args.other_posts)))
    users = facts["returning_ids"]
    url = fresh_copy(args, seeded)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / "runtime"),
           "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    if args.backend == "postgres":
        env["SPARK_REDIS_URL"] = empty_redis(args.redis_url)
    label = (f"B10 returning {args.backend} ({args.users} users away 30 days following {args.follows}, "
             f"{facts['feed_rows_per_user']} feed rows each, {facts['posts']} posts)")
    print(f"{label}: started {time.strftime('%H:%M:%S', time.gmtime())} UTC", flush=True)

    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--log-level", "warning"], env, base + "/health")
    try:
        ours = first_pages(base, lambda i: ("/api/v1/timelines/home?limit=40",
                                            {"Authorization": f"Bearer {returning_token(i)}"}), users, True)
    finally:
        stop(spark)
    floor = start([sys.executable, "-m", "uvicorn", "bench.floor_app:create_app", "--factory", "--host", "127.0.0.1",
                   "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
                   "--no-access-log"], env, base + f"/floor/home?reader={users[0]}")
    try:
        theirs = first_pages(base, lambda i: (f"/floor/home?reader={users[i]}", {}), users, False)
    finally:
        stop(floor)
    print(f"{label} first page (limit 40, first request per user, median of {args.users}): spark "
          f"{ours['first_p50']:.1f} ms (max {ours['first_max']:.1f}, warm {ours['warm_p50']:.1f}, "
          f"HTTP {ours['codes']}) | floor indexed-read {theirs['first_p50']:.1f} ms (max {theirs['first_max']:.1f}, "
          f"warm {theirs['warm_p50']:.1f}) | ratio {theirs['first_p50'] / ours['first_p50']:.2f} "
          f"| target <=300 ms, no 206", flush=True)

    rebuilt = asyncio.run(rebuilds(url, users[1:]))
    print(f"{label} full feed rebuild (median of {args.users}): spark 500x merge_account "
          f"{rebuilt['spark'] * 1000:.0f} ms ({rebuilt['rows']['spark']} rows) | floor one INSERT…SELECT of the same "
          f"rows {rebuilt['floor'] * 1000:.0f} ms ({rebuilt['rows']['floor']} rows) | ratio "
          f"{rebuilt['floor'] / rebuilt['spark']:.2f} | floor newest-800 {rebuilt['floor800'] * 1000:.0f} ms "
          f"({rebuilt['rows']['floor800']} rows) | target <=1 s", flush=True)


if __name__ == "__main__":
    main()

"""B9 — sustained mixed load (issue 4: "5 minutes with no errors and flat latency"), against a same-run floor.

Seeds (once, then reused; each run works on a fresh copy, since the load writes) the B1 data set, starts
`spark serve` on loopback and has C keep-alive aiohttp clients (closed loop: each sends its next request when
the previous one is answered) send, for --seconds, the B9 mix as random readers (`bench-reader-{i}`):
  80% GET /api/v1/timelines/home?limit=20      8% GET /api/v1/notifications?limit=20
   5% POST /api/v1/statuses                     4% POST favourite (3/4) or reblog (1/4) of a post the reader saw
   2% POST follow / unfollow                     1% GET /api/v2/search?q=…&limit=5
Reports overall and per-operation req/s and p50/p99, p50/p99 per minute (is latency flat?), errors (5xx,
other non-2xx, timeouts, connection errors) with samples from the answers and from the server log.

Floor: a mixed workload has no single "cheapest form". The floor here is B1's indexed-read floor
(bench/floor_app.py's query — one indexed home-feed read serialized with orjson, no auth, no hydration — at
limit=20, served by `floor_app` below) loaded by the same client, 100% reads. It bounds the read share only,
so the ratio (spark mixed req/s / floor read req/s) is conservative: 20% of Spark's requests are writes or
searches the floor does not do.

Usage:
  .venv/bin/python bench/b9_mixed.py --seconds 60                      # SQLite, 1 process, short
  .venv/bin/python bench/b9_mixed.py                                   # SQLite, 5 minutes
  .venv/bin/python bench/b9_mixed.py --backend postgres --workers 2    # PostgreSQL + Redis, 2 processes
  options: [--clients 32] [--floor-seconds 30] [--skip-floor] [--accounts 10000] [--posts 200000]
           [--readers 200] [--follows 300] [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
           [--redis-url redis://127.0.0.1:6379/1] [--timeout 10] [--mix search=0 (diagnosis: change weights)]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, empty_redis, free_port, pg_admin, seeded_database, start, stop  # noqa: E402
from bench.seed import reader_token, seed  # noqa: E402

MIX = [("home", 80), ("notifications", 8), ("post", 5), ("like", 4), ("follow", 2), ("search", 1)]
WORDS = ["realistic", "words", "number", "few", "post", "hello", "spark"]


def floor_app():
    """bench/floor_app.py's indexed read, with the page size taken from `limit` (B9 reads 20, B1 40)."""
    import orjson
    from sqlalchemy import bindparam, select
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import Response
    from starlette.routing import Route

    from spark.adapters.db import schema as t
    from spark.adapters.db.database import Database
    from spark.api.keepalive import KeepAliveLimit
    from spark.config import Settings, normalize_database_url

    db = Database(normalize_database_url(os.environ["SPARK_DATABASE_URL"]))
    columns = list(t.statuses.c)
    names = [str(c.name) for c in columns]
    query = (select(*columns).join(t.home_feed, t.home_feed.c.status_id == t.statuses.c.id)
             .where(t.home_feed.c.account_id == bindparam("reader"))
             .order_by(t.home_feed.c.status_id.desc()).limit(bindparam("limit")))

    async def home(request):
        params = {"reader": int(request.query_params["reader"]), "limit": int(request.query_params.get("limit", 40))}
        async with db.read() as conn:
            rows = (await conn.execute(query, params)).all()
        body = orjson.dumps([{k: (str(v) if k.endswith("id") and v is not None else v)
                              for k, v in zip(names, row, strict=True)} for row in rows])
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/floor/home", home)],  # connections evened out between processes, as Spark's
                     middleware=[Middleware(KeepAliveLimit, every=Settings().keepalive_requests)])


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (ms), 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


class Load:
    """C closed-loop clients sending the mix; records (op, start offset s, latency ms, outcome)."""

    def __init__(self, base: str, readers: list[int], accounts: list[int], clients: int, timeout: float,
                 mix: list[tuple[str, int]], seed: int = 11):
        self.base, self.readers, self.accounts, self.clients = base, readers, accounts, clients
        self.timeout, self.mix = timeout, mix
        self.rng = random.Random(seed)
        self.seen: dict[int, list[str]] = {}  # reader index -> status ids from its last home page
        self.extra: dict[int, list[int]] = defaultdict(list)  # reader index -> accounts it followed here
        self.records: list[tuple[str, float, float, str]] = []
        self.samples: dict[str, list[str]] = defaultdict(list)
        self.posted = 0

    def request_for(self, op: str, r: int) -> tuple[str, str, dict | None]:
        rng = self.rng
        if op == "home":
            return "GET", "/api/v1/timelines/home?limit=20", None
        if op == "floor":
            return "GET", f"/floor/home?reader={self.readers[r]}&limit=20", None
        if op == "notifications":
            return "GET", "/api/v1/notifications?limit=20", None
        if op == "post":
            self.posted += 1
            tag = f" #{rng.choice(WORDS)}" if rng.random() < 0.2 else ""
            return "POST", "/api/v1/statuses", {"status": f"Mixed-load post {self.posted} by reader {r}, "
                                                          f"a few {rng.choice(WORDS)} words{tag}"}
        if op == "like":
            seen = self.seen.get(r) or self.seen.get(rng.choice(list(self.seen) or [r]))
            if not seen:
                return "GET", "/api/v1/timelines/home?limit=20", None  # nothing seen yet: read first
            return "POST", f"/api/v1/statuses/{rng.choice(seen)}/{'reblog' if rng.random() < 0.25 else 'favourite'}", {}
        if op == "follow":
            mine = self.extra[r]
            if mine and rng.random() < 0.5:
                return "POST", f"/api/v1/accounts/{mine.pop(rng.randrange(len(mine)))}/unfollow", {}
            target = rng.choice(self.accounts)
            while target == self.readers[r]:
                target = rng.choice(self.accounts)
            mine.append(target)
            return "POST", f"/api/v1/accounts/{target}/follow", {}
        if op == "search":
            q = rng.choice([f"user{rng.randrange(len(self.accounts))}", rng.choice(WORDS)])
            return "GET", f"/api/v2/search?q={q}&limit=5", None
        raise ValueError(op)

    async def client(self, session, deadline: float, t0: float, record: bool) -> None:
        import aiohttp
        import orjson

        ops, weights = zip(*self.mix, strict=True)
        rng = self.rng
        while (now := time.perf_counter()) < deadline:
            op = rng.choices(ops, weights)[0]
            r = rng.randrange(len(self.readers))
            method, path, body = self.request_for(op, r)
            headers = {"Authorization": f"Bearer {reader_token(r)}"}
            outcome = "ok"
            started = time.perf_counter()
            try:
                async with session.request(method, self.base + path, json=body, headers=headers) as response:
                    payload = await response.read()
                    if response.status >= 500:
                        outcome = f"5xx {response.status}"
                    elif response.status >= 300:
                        outcome = f"non-2xx {response.status}"
                    elif path.startswith("/api/v1/timelines/home"):
                        ids = [s["id"] for s in orjson.loads(payload)]
                        if ids:
                            self.seen[r] = ids
                    if outcome != "ok" and len(self.samples[outcome]) < 3:
                        self.samples[outcome].append(f"{op} {method} {path}: {payload[:200]!r}")
            except TimeoutError:
                outcome = "timeout"
            except aiohttp.ClientError as exc:
                outcome = "connection error"
                if len(self.samples[outcome]) < 3:
                    self.samples[outcome].append(f"{op} {method} {path}: {exc!r}"[:240])
            latency = (time.perf_counter() - started) * 1000
            if record:
                self.records.append((op, started - t0, latency, outcome))
            del now

    async def run(self, seconds: float, warmup: float = 3.0, on_start=None) -> float:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self.clients, force_close=False)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            if warmup:
                end = time.perf_counter() + warmup
                await asyncio.gather(*(self.client(session, end, 0, False) for _ in range(self.clients)))
            if on_start is not None:
                on_start()  # CPU counters are read here, after the warm-up
            t0 = time.perf_counter()
            await asyncio.gather(*(self.client(session, t0 + seconds, t0, True) for _ in range(self.clients)))
            return time.perf_counter() - t0


def summarize(records, elapsed: float) -> dict:
    latencies = [r[2] for r in records]
    outcomes = Counter(r[3] for r in records)
    return {"requests": len(records), "rps": len(records) / elapsed, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "5xx": sum(v for k, v in outcomes.items() if k.startswith("5xx")),
            "non2xx": sum(v for k, v in outcomes.items() if k.startswith("non-2xx")),
            "timeouts": outcomes["timeout"], "conn": outcomes["connection error"], "outcomes": outcomes}


def describe(s: dict, cpu_ms: float | None = None) -> str:
    cpu = f" {cpu_ms:.2f} CPU-ms/req" if cpu_ms is not None else ""
    return (f"{s['rps']:.0f} req/s p50 {s['p50']:.1f} ms p99 {s['p99']:.1f} ms{cpu} "
            f"errors {s['5xx'] + s['non2xx'] + s['timeouts'] + s['conn']} "
            f"(5xx {s['5xx']}, other non-2xx {s['non2xx']}, timeouts {s['timeouts']}, conn {s['conn']})")


def log_errors(log: Path) -> tuple[int, list[str]]:
    """Tracebacks in a server log and a few of their last lines (the exception)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    blocks = text.split("Traceback (most recent call last):")[1:]
    samples = []
    for block in blocks:
        lines = [x for x in block.strip().splitlines() if x and not x.startswith((" ", "\t"))]
        message = lines[0][:240] if lines else "?"
        if message not in samples:
            samples.append(message)
    others = [x[:240] for x in text.splitlines() if re.search(r"\b(ERROR|CRITICAL|locked)\b", x)]
    return len(blocks), (samples + [o for o in others if o not in samples])[:6]


def machine_busy() -> float:
    """CPU-seconds all cores of this machine spent busy so far (/proc/stat), whoever used them."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def fresh_copy(args, url: str) -> str:
    """A working copy of the seeded database for one run (the load writes to it)."""
    if args.backend == "sqlite":
        source = Path(url.removeprefix("sqlite:///"))
        target = DATA / "b9-run" / "spark.sqlite3"
        shutil.rmtree(target.parent, ignore_errors=True)
        target.parent.mkdir(parents=True)
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
        return f"sqlite:///{target}"
    name = url.rsplit("/", 1)[1]
    pg_admin(args.postgres_url, "DROP DATABASE IF EXISTS b9_run")
    pg_admin(args.postgres_url, f'CREATE DATABASE b9_run TEMPLATE "{name}"')
    copy = f"{url.rsplit('/', 1)[0]}/b9_run"
    pg_admin(copy, "ANALYZE")  # planner statistics, as autovacuum would have them on a live server
    return copy


async def account_ids(url: str, limit: int) -> list[int]:
    from sqlalchemy import select

    from spark.adapters.db import schema as t
    from spark.adapters.db.database import Database
    from spark.config import normalize_database_url

    db = Database(normalize_database_url(url))
    async with db.read() as conn:
        ids = list((await conn.execute(select(t.accounts.c.id).where(t.accounts.c.domain == "")
                                       .limit(limit))).scalars())
    await db.dispose()
    return ids


def run_load(base: str, readers, accounts, args, mix, seconds: float, on_start=None) -> tuple[Load, float]:
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    load = Load(base, readers, accounts, args.clients, args.timeout, mix)
    elapsed = asyncio.run(load.run(seconds, on_start=on_start))
    return load, elapsed


def main() -> None:
    from bench.b1_home_timeline import cpu_seconds

    parser = argparse.ArgumentParser(description="B9 mixed load benchmark")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis-url", default=os.environ.get("SPARK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--floor-seconds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--follows", type=int, default=300)
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--mix", default="", help="diagnosis only: override weights, e.g. search=0,home=81")
    args = parser.parse_args()
    mix = dict(MIX) | {k: int(v) for k, v in (x.split("=") for x in args.mix.split(",") if x)}
    mix = [(op, w) for op, w in mix.items() if w > 0]

    # The B1 data set, so B1 and B9 share one seeding per backend.
    seeded, facts = seeded_database(f"b1-{args.backend}-{args.accounts}-{args.posts}-{args.readers}", args.backend,
                                    args.postgres_url, lambda u: asyncio.run(
                                        seed(u, args.accounts, args.posts, args.readers, args.follows)))
    readers = facts["reader_ids"]
    url = fresh_copy(args, seeded)
    accounts = asyncio.run(account_ids(url, args.accounts))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / "runtime"),
           "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    if args.backend == "postgres":
        env["SPARK_REDIS_URL"] = empty_redis(args.redis_url)
    label = (f"B9 mixed{' (mix ' + args.mix + ')' if args.mix else ''} {args.backend} w={args.workers} c={args.clients} {args.seconds}s "
             f"({facts['accounts']} accounts, {facts['posts']} posts, {len(readers)} readers following {args.follows})")
    print(f"{label}: started {time.strftime('%H:%M:%S', time.gmtime())} UTC", flush=True)

    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(args.workers), "--log-level", "warning"], env, base + "/health")
    try:
        before = {}
        load, elapsed = run_load(base, readers, accounts, args, mix, args.seconds, lambda: before.update(
            spark=cpu_seconds(spark.pid), busy=machine_busy(), client=time.process_time()))
        spark_cpu = cpu_seconds(spark.pid) - before["spark"]
        cpu_ms = spark_cpu * 1000 / max(len(load.records), 1)
        client_cpu = (time.process_time() - before["client"]) / elapsed
        spark_cores = spark_cpu / elapsed
        busy_cores = (machine_busy() - before["busy"]) / elapsed
    finally:
        stop(spark)
    ours = summarize(load.records, elapsed)
    traces, log_samples = log_errors(spark.log)

    line = f"{label}: spark {describe(ours, cpu_ms)}"
    if not args.skip_floor:
        floor = start([sys.executable, "-m", "uvicorn", "bench.b9_mixed:floor_app", "--factory", "--host",
                       "127.0.0.1", "--port", str(port), "--workers", str(args.workers), "--loop", "uvloop",
                       "--http", "httptools", "--log-level", "warning", "--no-access-log"], env,
                      base + f"/floor/home?reader={readers[0]}&limit=20")
        try:
            before = {}
            floor_load, floor_elapsed = run_load(base, readers, accounts, args, [("floor", 1)], args.floor_seconds,
                                                 lambda: before.update(floor=cpu_seconds(floor.pid)))
            floor_cpu = (cpu_seconds(floor.pid) - before["floor"]) * 1000 / max(len(floor_load.records), 1)
        finally:
            stop(floor)
        theirs = summarize(floor_load.records, floor_elapsed)
        line += (f" | floor indexed-read only (limit 20, {args.floor_seconds}s) {describe(theirs, floor_cpu)}"
                 f" | ratio {ours['rps'] / theirs['rps']:.2f}")
    line += " | target >=1500 req/s at p99 <=100 ms, 0 errors (SQLite); 2 processes >=1.6x one"
    print(line, flush=True)

    for op, _ in mix:
        mine = [r for r in load.records if r[0] == op]
        print(f"B9 {args.backend} w={args.workers} op={op}: {describe(summarize(mine, elapsed))}", flush=True)
    bucket = 60 if args.seconds >= 120 else max(5, args.seconds // 4)
    for n in range(int(elapsed // bucket + (elapsed % bucket > 1))):
        part = [r for r in load.records if n * bucket <= r[1] < (n + 1) * bucket]
        span = min(bucket, elapsed - n * bucket)
        print(f"B9 {args.backend} w={args.workers} t={n * bucket}-{n * bucket + span:.0f}s: "
              f"{describe(summarize(part, span))}", flush=True)
    print(f"B9 {args.backend} w={args.workers} outcomes: {dict(ours['outcomes'])}; load generator "
          f"{client_cpu * 100:.0f}% of a core; machine busy {busy_cores:.2f} of {os.cpu_count()} cores, spark processes "
          f"{spark_cores:.2f} (the rest: database server, load generator, other work on the machine); server log {spark.log.name}: {traces} tracebacks", flush=True)
    for outcome, texts in load.samples.items():
        for text in texts:
            print(f"  answer sample [{outcome}] {text}", flush=True)
    for text in log_samples:
        print(f"  server log sample: {text}", flush=True)


if __name__ == "__main__":
    main()

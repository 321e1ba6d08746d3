"""B1 — home timeline read throughput and latency, against a same-run floor.

Seeds (once, then reused) a database, starts `spark serve` with N worker processes on loopback, and has
`wrk` keep C connections looping GET /api/v1/timelines/home?limit=40 as R different readers for D seconds.
Then runs the floor (bench/floor_app.py: same server, database and serializer, one indexed query, no auth,
no hydration) the same way, and prints one line:

  B1 home sqlite w=1 …: spark 1234 req/s p50 … p99 … CPU-ms/req … | floor … | ratio … | target …

Usage: python bench/b1_home_timeline.py [--backend sqlite|postgres] [--workers 1] [--duration 60]
       [--connections 200] [--accounts 10000] [--posts 200000] [--readers 200]
Needs `wrk` (Debian package wrk). PostgreSQL: --postgres-url (default postgresql://postgres@127.0.0.1:5432/postgres),
and with --redis-url (e.g. redis://127.0.0.1:6379/1, emptied first) as scale-out mode runs: feeds cached in Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, empty_redis, free_port, seeded_database, start, stop  # noqa: E402
from bench.seed import reader_token, seed  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def prepare(args) -> tuple[str, dict]:
    """A migrated, seeded database URL for these sizes, and the seed's facts (reused across runs)."""
    return seeded_database(f"b1-{args.backend}-{args.accounts}-{args.posts}-{args.readers}", args.backend,
                           args.postgres_url,
                           lambda url: asyncio.run(seed(url, args.accounts, args.posts, args.readers, args.follows)))


def cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and all its descendants (from /proc)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def lua_script(path_for: str, readers: list[int], tokens: list[str]) -> Path:
    script = DATA / f"b1-{os.getpid()}.lua"
    pairs = ",".join(f'{{"{token}","{reader}"}}' for token, reader in zip(tokens, readers, strict=True))
    script.write_text(f"""
local pairs_ = {{{pairs}}}
local n = 0
request = function()
  n = n + 1
  local p = pairs_[(n % #pairs_) + 1]
  return wrk.format("GET", "{path_for}" .. p[2], {{["Authorization"] = "Bearer " .. p[1]}})
end
""")
    return script


def parse_wrk(output: str) -> dict:
    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests_total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), "requests": requests_total,
            "p50": latency_ms("50"), "p99": latency_ms("99"), "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def load(base: str, script: Path, connections: int, duration: int, pid: int) -> dict:
    subprocess.run(["wrk", "-t2", f"-c{connections}", "-d3s", "-s", str(script), base],
                   check=True, capture_output=True)  # warm-up: caches, pools, JIT-less but lazy imports
    cpu_before = cpu_seconds(pid)
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                           base], check=True, capture_output=True, text=True, timeout=duration + 60)
    figures = parse_wrk(done.stdout)
    figures["cpu_ms_per_request"] = (cpu_seconds(pid) - cpu_before) * 1000 / max(figures["requests"], 1)
    return figures


def describe(f: dict) -> str:
    errors = f" non-2xx {f['non2xx']}" if f["non2xx"] else ""
    return (f"{f['rps']:.0f} req/s p50 {f['p50']:.1f} ms p99 {f['p99']:.1f} ms "
            f"{f['cpu_ms_per_request']:.2f} CPU-ms/req{errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description="B1 home timeline benchmark")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--follows", type=int, default=300)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--skip-floor", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("B1 needs wrk: apt-get install wrk")

    url, facts = prepare(args)
    readers = facts["reader_ids"]
    tokens = [reader_token(i) for i in range(len(readers))]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / "runtime"),
           "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    redis = args.redis_url if args.backend == "postgres" else ""
    if redis:
        env["SPARK_REDIS_URL"] = empty_redis(redis)

    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(args.workers), "--log-level", "warning"], env, base + "/health")
    try:
        check = requests.get(base + "/api/v1/timelines/home?limit=40",
                             headers={"Authorization": f"Bearer {tokens[0]}"}, timeout=10)
        assert check.status_code == 200 and len(check.json()) == 40, check.text[:300]
        script = lua_script("/api/v1/timelines/home?limit=40&reader=", readers, tokens)
        ours = load(base, script, args.connections, args.duration, spark.pid)
    finally:
        stop(spark)

    line = (f"B1 home {args.backend}{'+redis' if redis else ''} w={args.workers} c={args.connections} {args.duration}s "
            f"({facts['accounts']} accounts, {facts['posts']} posts, {len(readers)} readers following "
            f"{args.follows}): spark {describe(ours)}")
    if not args.skip_floor:
        floor = start([sys.executable, "-m", "uvicorn", "bench.floor_app:create_app", "--factory", "--host",
                       "127.0.0.1", "--port", str(port), "--workers", str(args.workers), "--loop", "uvloop",
                       "--http", "httptools", "--log-level", "warning", "--no-access-log"], env,
                      base + f"/floor/home?reader={readers[0]}")
        try:
            theirs = load(base, lua_script("/floor/home?reader=", readers, tokens), args.connections,
                          args.duration, floor.pid)
        finally:
            stop(floor)
        line += f" | floor {describe(theirs)} | ratio {ours['rps'] / theirs['rps']:.2f}"
    line += " | target ratio >=0.6, >=1000 req/s (issue 2; B1 says 2000), p99 <=50 ms"
    print(line, flush=True)
    script.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

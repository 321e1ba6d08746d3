"""B5 — dead and slow peers: as B4 (a local author followed by M accounts on M other servers, one loopback
sink standing in for all of them, each server under its own host name), but 20% of the servers never
answer, 10% answer 500 and 5% answer after 8 s. Runs the same posts against an all-healthy sink first
(the same-run floor), then against the faulty one, and reports how long the healthy servers took to get
every post in each, the requests the dead and failing servers received, and the most requests a dead
server had in flight at once (the per-host breaker keeps that to one once it opens).

  B5 dead peers sqlite M=2000 posts=5: healthy servers complete in 3.1 s (all healthy: 2.8 s) | ratio 1.11 | …

Usage: python bench/b5_dead_peers.py [--remotes 2000] [--posts 5] [--observe 60] [--backend sqlite|postgres] [--trace]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import httpx
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, free_port, seeded_database, start, stop, working_copy  # noqa: E402
from bench.seed import AUTHOR_TOKEN, point_inboxes, seed_remote_audience  # noqa: E402
from bench.sink import kind_of  # noqa: E402

# The sink's faults: every 5th server dead, every 10th failing, every 20th slow (bench/sink.py kind_of).
FAULTS = argparse.Namespace(dead_every=5, fail_every=10, slow_every=20, slow_seconds=8.0)
FAULT_ARGS = [f"--{name.replace('_', '-')}={value}" for name, value in vars(FAULTS).items()]


def servers(remotes: int, kind: str) -> int:
    """How many of the faulty run's servers are of this kind."""
    return sum(1 for n in range(remotes) if kind_of(n, FAULTS) == kind)


def run(backend: str, remotes: int, posts: int, postgres_url: str, *, faulty: bool, observe: float,
        trace: bool = False) -> dict:
    seeded = seeded_database(f"b5-{backend}-{remotes}", backend, postgres_url,
                             lambda u: asyncio.run(seed_remote_audience(u, remotes)))[0]
    url = working_copy(seeded)  # queued retries and domain failures of one run must not reach the next
    sink_port, spark_port = free_port(), free_port()
    asyncio.run(point_inboxes(url, f"http://127.0.0.1:{sink_port}", own_hosts=True))
    base = f"http://127.0.0.1:{spark_port}"
    data_dir = DATA / f"b5-{backend}-{remotes}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(data_dir),
           "SPARK_DOMAIN": f"127.0.0.1:{spark_port}", "SPARK_FEDERATION_ALLOW_PRIVATE": "1",
           "SPARK_FEDERATION_HOSTS": "*.bench.invalid=127.0.0.1", "SPARK_RATE_LIMITS_ENABLED": "0"}
    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(spark_port),
                   "--log-level", "error"], env, base + "/health")
    sink = None
    try:
        actor = requests.get(base + "/users/author", headers={"Accept": "application/activity+json"}, timeout=30)
        key_file = data_dir / "author.pem"
        key_file.write_text(actor.json()["publicKey"]["publicKeyPem"])
        sink = start([sys.executable, str(ROOT / "bench" / "sink.py"), str(sink_port), str(key_file),
                      *(FAULT_ARGS if faulty else [])], env, f"http://127.0.0.1:{sink_port}/stats")
        expected = (servers(remotes, "healthy") if faulty else remotes) * posts
        started = time.perf_counter()
        with httpx.Client(base_url=base, timeout=120) as http:
            for n in range(posts):
                http.post("/api/v1/statuses", data={"status": f"delivery {n}"},
                          headers={"Authorization": f"Bearer {AUTHOR_TOKEN}"}).raise_for_status()
        complete_after = None
        stats: dict = {}
        while time.perf_counter() < started + observe:
            stats = requests.get(f"http://127.0.0.1:{sink_port}/stats", timeout=30).json()
            if trace:
                print(f"{time.perf_counter() - started:5.1f} s {stats}", file=sys.stderr, flush=True)
            if complete_after is None and stats["verified_healthy"] >= expected:
                complete_after = time.perf_counter() - started
                if not faulty:
                    break
            time.sleep(0.2)
        return {"complete_after": complete_after, "expected": expected, **stats}
    finally:
        stop(spark)
        if sink:
            stop(sink)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remotes", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--observe", type=float, default=60.0,
                        help="seconds the faulty run is watched (retries of the failing servers included)")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--trace", action="store_true", help="print the sink's counters as the runs go")
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    healthy = run(args.backend, args.remotes, args.posts, args.postgres_url, faulty=False, observe=300, trace=args.trace)
    faulty = run(args.backend, args.remotes, args.posts, args.postgres_url, faulty=True, observe=args.observe,
                 trace=args.trace)
    if healthy["complete_after"] is None or faulty["complete_after"] is None:
        raise SystemExit(f"B5: healthy servers did not get every post (all healthy: {healthy['verified_healthy']} "
                         f"of {healthy['expected']}; faulty: {faulty['verified_healthy']} of {faulty['expected']})")
    dead, failing = servers(args.remotes, "dead"), servers(args.remotes, "fail")
    ratio = faulty["complete_after"] / healthy["complete_after"]
    print(f"B5 dead peers {args.backend} M={args.remotes} posts={args.posts}: healthy servers have every post after "
          f"{faulty['complete_after']:.1f} s (20% dead, 10% answering 500, 5% slow) | all healthy "
          f"{healthy['complete_after']:.1f} s | ratio {ratio:.2f} | in {args.observe:.0f} s: {dead} dead servers got "
          f"{faulty['requests']['dead']} requests ({faulty['requests']['dead'] / dead:.1f} each, at most "
          f"{faulty['max_in_flight_dead']} in flight at once), {failing} failing servers "
          f"{faulty['requests']['fail']} ({faulty['requests']['fail'] / failing:.1f} each), bad signatures "
          f"{faulty['bad_signatures']} | target ratio <=1.25, <=1 in flight per dead host once its breaker opens",
          flush=True)


if __name__ == "__main__":
    main()

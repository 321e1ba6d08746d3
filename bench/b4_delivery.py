"""B4 — outbound delivery: a local author followed by M accounts on M other servers (one loopback sink
process standing in for all their inboxes, verifying every signature, each server under a name of its
own) posts P times; measures deliveries/s and the time until the last inbox has the last post. The floor is the unavoidable work
of the same deliveries: building and RSA-signing each request, timed in-process on one core.

  B4 delivery sqlite M=10000: spark 50000 deliveries in 61.2 s (817/s), post→all inboxes p50 … | floor … | ratio …

Usage: python bench/b4_delivery.py [--remotes 1000,10000] [--posts 5] [--backend sqlite|postgres]
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

from bench.common import DATA, free_port, seeded_database, start, stop  # noqa: E402
from bench.seed import AUTHOR_TOKEN, point_inboxes, seed_remote_audience  # noqa: E402
from spark.federation.signatures import SigningKey, generate_key_pair, sign_request  # noqa: E402


def floor_rate(count: int) -> float:
    """Requests built and signed per second (the same body size, one core)."""
    private_pem, _ = generate_key_pair()
    key = SigningKey("https://bench.invalid/users/author#main-key", private_pem)
    body = b"x" * 1500
    started = time.perf_counter()
    for n in range(count):
        sign_request("POST", f"http://127.0.0.1:9/inbox/{n}", body, key)
    return count / (time.perf_counter() - started)


def run(backend: str, remotes: int, posts: int, postgres_url: str) -> tuple[str, bool]:
    """The figure's line, and whether every delivery arrived."""
    url = seeded_database(f"b4-{backend}-{remotes}", backend, postgres_url,
                          lambda u: asyncio.run(seed_remote_audience(u, remotes)))[0]
    sink_port, spark_port = free_port(), free_port()
    asyncio.run(point_inboxes(url, f"http://127.0.0.1:{sink_port}", own_hosts=True))
    base = f"http://127.0.0.1:{spark_port}"
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / f"b4-{backend}-{remotes}"),
           "SPARK_DOMAIN": f"127.0.0.1:{spark_port}", "SPARK_FEDERATION_ALLOW_PRIVATE": "1",
           "SPARK_FEDERATION_HOSTS": "*.bench.invalid=127.0.0.1",
           "SPARK_RATE_LIMITS_ENABLED": "0"}
    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(spark_port),
                   "--log-level", "warning"], env, base + "/health")
    sink = None
    try:
        print(f"spark pid {spark.pid}", flush=True)
        actor = requests.get(base + "/users/author", headers={"Accept": "application/activity+json"}, timeout=30)
        key_file = DATA / f"b4-{backend}-{remotes}" / "author.pem"
        key_file.write_text(actor.json()["publicKey"]["publicKeyPem"])
        sink = start([sys.executable, str(ROOT / "bench" / "sink.py"), str(sink_port), str(key_file)], env,
                     f"http://127.0.0.1:{sink_port}/stats")
        expected = remotes * posts
        started = time.perf_counter()
        posted_at = []
        with httpx.Client(base_url=base, timeout=120) as http:
            for n in range(posts):
                posted_at.append(time.perf_counter())
                http.post("/api/v1/statuses", data={"status": f"delivery {n}"},
                          headers={"Authorization": f"Bearer {AUTHOR_TOKEN}"}).raise_for_status()
        deadline = started + 600
        stats = {}
        while time.perf_counter() < deadline:
            stats = requests.get(f"http://127.0.0.1:{sink_port}/stats", timeout=30).json()
            if stats["verified"] + stats["bad_signatures"] >= expected:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        stop(spark)
        if sink:
            stop(sink)
    floor = floor_rate(2000)
    rate = stats.get("verified", 0) / elapsed
    return (f"B4 delivery {backend} M={remotes}: spark {stats.get('verified')} of {expected} deliveries in "
            f"{elapsed:.1f} s ({rate:.0f}/s), bad signatures {stats.get('bad_signatures')} | "
            f"floor sign-only {floor:.0f}/s | ratio {rate / floor:.2f} | target >=0.4, 10K inboxes <=30 s (first step)"), stats.get("verified") == expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remotes", default="1000,10000")
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}", flush=True)
    incomplete = False
    for remotes in [int(x) for x in args.remotes.split(",")]:
        line, complete = run(args.backend, remotes, args.posts, args.postgres_url)
        print(line, flush=True)
        incomplete |= not complete
    if incomplete:
        raise SystemExit("B4: some deliveries never arrived")


if __name__ == "__main__":
    main()

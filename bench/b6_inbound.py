"""B6 — inbound ingest: S remote servers POST signed activities (40% Create Note, 30% Like, 20% Announce,
10% Follow, every one new) to Spark's shared inbox from S concurrent connections. Reports activities
accepted per second with the 202 latency p50/p99, and the time until every accepted activity has been
processed (the inbox jobs drained). Requests are signed before the clock starts (the generator shares the
two cores). The floor is the unavoidable work per activity: verify its signature and store it, in-process
on the same database.

  B6 inbound sqlite N=10000: accepted 1200/s (202 p50 … p99 …), processed all in … s (…/s), Spark CPU … ms per
  activity (accepting and processing it, startup included) | floor … | ratio …

Usage: python bench/b6_inbound.py [--activities 10000] [--servers 50] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import requests
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import DATA, children, free_port, seeded_database, start, stop, working_copy  # noqa: E402
from bench.seed import point_inboxes, seed_remote_senders  # noqa: E402
from spark.adapters import jobs_sql  # noqa: E402
from spark.adapters.db import schema as t  # noqa: E402
from spark.adapters.db.database import Database  # noqa: E402
from spark.config import normalize_database_url  # noqa: E402
from spark.federation.signatures import SigningKey, sign_request, verify_request  # noqa: E402

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def activities(n: int, servers: int, base: str, post_ids: list[int], seed: int) -> list[tuple[int, dict]]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        server = rng.randrange(servers)
        actor = f"https://s{server}.bench.invalid/users/a"
        aid = f"{actor}/activities/{seed}-{k}"
        post = f"{base}/users/target/statuses/{rng.choice(post_ids)}"
        roll = rng.random()
        if roll < 0.4:
            note = {"id": f"{actor}/notes/{seed}-{k}", "type": "Note", "attributedTo": actor,
                    "content": f"<p>inbound post {k} with a <a href=\"https://example.org\">link</a></p>",
                    "published": "2026-11-23T12:00:00Z", "to": [PUBLIC], "cc": [f"{actor}/followers"]}
            activity = {"id": aid, "type": "Create", "actor": actor, "object": note, "to": [PUBLIC]}
        elif roll < 0.7:
            activity = {"id": aid, "type": "Like", "actor": actor, "object": post}
        elif roll < 0.9:
            activity = {"id": aid, "type": "Announce", "actor": actor, "object": post, "to": [PUBLIC]}
        else:
            activity = {"id": aid, "type": "Follow", "actor": actor, "object": f"{base}/users/target"}
        out.append((server, {"@context": "https://www.w3.org/ns/activitystreams", **activity}))
    return out


def signed(batch, keys, url):
    requests_ = []
    for server, activity in batch:
        body = orjson.dumps(activity)
        key = SigningKey(f"https://s{server}.bench.invalid/users/a#main-key", keys[server])
        headers = {"Content-Type": "application/activity+json", **sign_request("POST", url, body, key)}
        requests_.append((headers, body))
    return requests_


async def send(url: str, requests_: list, concurrency: int) -> tuple[float, list[float], dict]:
    latencies, statuses = [], {}
    queue = list(reversed(requests_))

    async def sender(session):
        while queue:
            headers, body = queue.pop()
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, statuses


async def pending_jobs(db: Database) -> int:
    async with db.read() as conn:
        return await conn.scalar(select(func.count()).select_from(t.jobs).where(t.jobs.c.kind == "inbox"))


async def floor(url: str, requests_: list, public: dict[str, str], inbox: str) -> float:
    """Verify each signature and store each activity (as a queued job) in its own transaction."""
    db = Database(normalize_database_url(url))
    started = time.perf_counter()
    for headers, body in requests_:
        key_id = headers["Signature"].split('keyId="', 1)[1].split('"', 1)[0]
        verify_request("POST", inbox, {k.lower(): v for k, v in headers.items()}, body, public[key_id])
        async with db.write() as conn:
            await jobs_sql.enqueue(conn, "bench-floor", {"activity": orjson.loads(body)})
    elapsed = time.perf_counter() - started
    async with db.write() as conn:
        await conn.execute(t.jobs.delete().where(t.jobs.c.kind == "bench-floor"))
    await db.dispose()
    return len(requests_) / elapsed


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used (Linux): on a shared machine a steadier figure than rates."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(backend: str, n: int, servers: int, postgres_url: str, job_workers: int, workers: int) -> str:
    name = f"b6-{backend}-{servers}"
    seeded, facts = seeded_database(name, backend, postgres_url,
                                    lambda u: asyncio.run(seed_remote_senders(u, servers)))
    url = working_copy(seeded)
    port, sink_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    inbox = base + "/inbox"
    # The Accepts of the Follows go to a sink standing in for the senders' inboxes (s{N}.bench.invalid).
    asyncio.run(point_inboxes(url, f"http://127.0.0.1:{sink_port}", lambda row: row.domain.split(".")[0][1:]))
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(DATA / name),
           "SPARK_DOMAIN": f"127.0.0.1:{port}", "SPARK_RATE_LIMITS_ENABLED": "0",
           "SPARK_FEDERATION_ALLOW_PRIVATE": "1"}
    work = activities(n, servers, base, facts["post_ids"], seed=int(time.time()))
    prepared = signed(work, facts["private_keys"], inbox)
    if job_workers:
        env["SPARK_EMBEDDED_WORKER"] = "false"
    spark = start([sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers), "--log-level", "warning"], env, base + "/health")
    print(f"spark pid {spark.pid}, log {spark.log}", flush=True)
    job_processes = [start([sys.executable, "-m", "spark", "worker"], env, None) for _ in range(job_workers)]
    sink = None
    db = Database(normalize_database_url(url))
    try:
        actor = requests.get(base + "/users/target", headers={"Accept": "application/activity+json"}, timeout=30)
        key_file = DATA / name / "target.pem"
        key_file.write_text(actor.json()["publicKey"]["publicKeyPem"])
        sink = start([sys.executable, str(ROOT / "bench" / "sink.py"), str(sink_port), str(key_file)], env,
                     f"http://127.0.0.1:{sink_port}/stats")
        started = time.perf_counter()
        elapsed, latencies, statuses = asyncio.run(send(inbox, prepared, servers))

        async def drain():
            while await pending_jobs(db) and time.perf_counter() - started < 600:
                await asyncio.sleep(0.1)
            await db.dispose()
        asyncio.run(drain())
        processed = time.perf_counter() - started
        serving_cpu = sum(cpu_seconds(pid) for pid in [spark.pid, *children(spark.pid)])
        cpu = serving_cpu + sum(cpu_seconds(p.pid) for p in job_processes)
        accepts = requests.get(f"http://127.0.0.1:{sink_port}/stats", timeout=30).json()
    finally:
        stop(spark)
        for process in job_processes:
            stop(process)
        if sink:
            stop(sink)
    publics = {}
    for i in range(servers):
        from cryptography.hazmat.primitives import serialization
        private = serialization.load_pem_private_key(facts["private_keys"][i].encode(), None)
        publics[f"https://s{i}.bench.invalid/users/a#main-key"] = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    floor_rate = asyncio.run(floor(url, prepared[:2000], publics, inbox))
    latencies.sort()
    split = f" (spark serve {serving_cpu / n * 1000:.2f}, workers {(cpu - serving_cpu) / n * 1000:.2f})" if job_processes else ""
    accepted = statuses.get(202, 0)
    rate = accepted / elapsed
    return (f"B6 inbound {backend} w={workers} jw={job_workers} N={n} S={servers}: accepted {accepted} ({rate:.0f}/s, 202 p50 "
            f"{statistics.median(latencies) * 1000:.0f} ms p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms,"
            f" statuses {statuses}), all processed after {processed:.1f} s ({n / processed:.0f}/s), Spark CPU "
            f"{cpu / n * 1000:.2f} ms per activity{split}, Accepts verified by the sink {accepts['verified']} | "
            f"floor verify+store {floor_rate:.0f}/s | ratio {rate / floor_rate:.2f} | target >=500/s (issue), >=0.3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default=os.environ.get("SPARK_BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--workers", type=int, default=1, help="spark serve processes")
    parser.add_argument("--job-workers", type=int, default=0,
                        help="separate `spark worker` processes run the jobs (0: spark serve runs them itself)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}", flush=True)
    print(run(args.backend, args.activities, args.servers, args.postgres_url, args.job_workers, args.workers), flush=True)


if __name__ == "__main__":
    main()

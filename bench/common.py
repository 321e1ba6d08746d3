"""What the benchmarks share: where seeded data lives, fresh databases, and starting servers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / ".data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_admin(url: str, sql: str) -> None:
    import asyncpg

    async def run():
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def schema_version() -> str:
    """Seeded data is reused until the schema or the seeding code changes."""
    sources = [*sorted((ROOT / "spark" / "adapters" / "db" / "migrations" / "versions").glob("*.py")),
               ROOT / "bench" / "seed.py"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]


def seeded_database(name: str, backend: str, postgres_url: str, seed: Callable[[str], dict]) -> tuple[str, dict]:
    """A migrated database seeded by `seed(url)`, kept under bench/.data and reused until the schema
    changes; returns its URL and what the seed reported."""
    folder = DATA / name
    marker = folder / "seeded.json"
    url = (f"sqlite:///{folder / 'spark.sqlite3'}" if backend == "sqlite"
           else f"{postgres_url.rsplit('/', 1)[0]}/{name.replace('-', '_')}")
    if marker.exists() and json.loads(marker.read_text()).get("schema") == schema_version():
        return url, json.loads(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if backend == "postgres":
        pg_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name.replace("-", "_")}"')
        pg_admin(postgres_url, f'CREATE DATABASE "{name.replace("-", "_")}"')
    env = {**os.environ, "SPARK_DATABASE_URL": url, "SPARK_DATA_DIR": str(folder)}
    subprocess.run([sys.executable, "-m", "spark", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    started = time.perf_counter()
    facts = {**seed(url), "seed_seconds": round(time.perf_counter() - started, 1), "schema": schema_version()}
    if backend == "postgres":
        pg_admin(url, "ANALYZE")  # planner statistics, as autovacuum would have them on a live server
    marker.write_text(json.dumps(facts))
    print(f"seeded {name} in {facts['seed_seconds']} s", flush=True)
    return url, facts


def working_copy(url: str) -> str:
    """A copy of a seeded database for one run, so that runs which write start from the same data
    (activities, jobs and posts of earlier runs would otherwise pile up and change what is measured)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        seeded = Path(url.removeprefix("sqlite:///"))
        copy = seeded.with_name("run.sqlite3")
        for leftover in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            leftover.unlink(missing_ok=True)
        source, target = sqlite3.connect(seeded), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{copy}"
    base, name = url.rsplit("/", 1)
    admin = f"{base}/postgres"  # a template must have no connections, this one's included
    pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}_run"')
    pg_admin(admin, f'CREATE DATABASE "{name}_run" TEMPLATE "{name}"')
    return f"{base}/{name}_run"


def empty_redis(url: str) -> str:
    """`url`, its database emptied: feeds cached by an earlier run, on another copy of the data, would name
    posts this database never had."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
    return url


def children(pid: int) -> list[int]:
    """A process's descendants (the processes of `spark serve --workers N`, say)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            out += [int(child), *children(int(child))]
    return out


def start(command: list[str], env: dict, url: str | None) -> subprocess.Popen:
    """Start a server and wait until `url` answers (no url: a process that serves nothing, e.g. a worker);
    its output goes to bench/.data/logs/ (a pipe nobody reads would stall a server that logs much once the
    pipe is full)."""
    logs = DATA / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{Path(command[1] if command[1] != '-m' else command[2]).stem}-{int(time.time() * 1000)}.log"
    output = open(log, "wb")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    process.log = log
    if url is None:
        return process
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()

"""Real Spark servers for tests: a fresh database (SQLite file or PostgreSQL database) and a
uvicorn process on a free loopback port."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUNNING: list[SparkServer] = []  # servers started and not yet stopped, whose logs a failing test reports


def wait_for(check, timeout: float = 20.0, interval: float = 0.1):
    """Poll until `check()` returns something truthy, and return it; fail with the last value after `timeout` s."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout} s (last value: {value!r})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def backends() -> list[str]:
    """SQLite always; PostgreSQL when SPARK_TEST_DATABASE_URL is set (CI sets it)."""
    return ["sqlite", "postgres"] if os.environ.get("SPARK_TEST_DATABASE_URL") else ["sqlite"]



def _pg_admin(sql: str) -> None:
    base = os.environ["SPARK_TEST_DATABASE_URL"]
    subprocess.run([sys.executable, "-c", _PG_SNIPPET, base, sql], check=True, cwd=ROOT)


_PG_SNIPPET = """
import asyncio, sys
import asyncpg
async def main(url, sql):
    conn = await asyncpg.connect(url.replace('postgresql+asyncpg://', 'postgresql://'))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@contextmanager
def database_url(backend: str, data_dir: Path):
    """A URL to an empty database, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{data_dir / 'spark.sqlite3'}"
        return
    base = os.environ["SPARK_TEST_DATABASE_URL"]
    name = "spark_t_" + secrets.token_hex(6)
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        try:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except subprocess.CalledProcessError:
            pass


@dataclass
class SparkServer:
    url: str
    port: int
    data_dir: Path
    env: dict
    process: subprocess.Popen | None = None
    backend: str = "sqlite"
    log: Path | None = None
    serve_args: tuple[str, ...] = ()  # more options for `spark serve` (e.g. --workers 2)
    _tokens: dict = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def spark(self, *args: str) -> str:
        """Run the `spark` command against this server's configuration; returns stdout."""
        done = subprocess.run([sys.executable, "-m", "spark", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"spark {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def start(self) -> None:
        self.log = self.data_dir / f"server-{self.port}.log"
        out = open(self.log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spark", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning", *self.serve_args],
            env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        RUNNING.append(self)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        RUNNING[:] = [server for server in RUNNING if server is not self]
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_tail(self, lines: int = 40) -> str:
        """The end of this server's log (warnings and errors, as started): what it did while a test failed."""
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    @contextmanager
    def sibling(self):
        """Another process of the same server (same database, domain and settings) on its own port."""
        port = free_port()
        other = SparkServer(url=f"http://127.0.0.1:{port}", port=port, data_dir=self.data_dir, env=self.env,
                            backend=self.backend)
        other.start()
        try:
            yield other
        finally:
            other.stop()

    def sql(self, statement: str) -> None:
        """Run one SQL statement on this server's database: for states no API reaches (a moderator's
        silencing, an admin's custom emoji)."""
        url = self.env["SPARK_DATABASE_URL"]
        if url.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(self.data_dir / "spark.sqlite3") as db:
                db.execute(statement)
        else:
            subprocess.run([sys.executable, "-c", _PG_SNIPPET, url, statement], check=True, cwd=ROOT)

    # Conveniences for tests ------------------------------------------------------------
    def register(self, username: str | None = None, password: str = "correct horse battery"):
        """Create a user through the API and return (username, access token)."""
        username = username or "u" + secrets.token_hex(5)
        app = requests.post(self.url + "/api/v1/apps", data={
            "client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write follow push"}, timeout=10).json()
        app_token = requests.post(self.url + "/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": "read write follow push"}, timeout=10).json()
        response = requests.post(self.url + "/api/v1/accounts", data={
            "username": username, "email": f"{username}@example.org", "password": password,
            "agreement": "true", "locale": "en"},
            headers={"Authorization": f"Bearer {app_token['access_token']}"}, timeout=30)
        assert response.status_code == 200, response.text
        return username, response.json()["access_token"]

    def client(self, token: str):
        from mastodon import Mastodon

        return Mastodon(access_token=token, api_base_url=self.url, version_check_mode="none",
                        request_timeout=30)

    def new_user(self, username: str | None = None):
        """A registered user's Mastodon.py client."""
        _, token = self.register(username)
        return self.client(token)


@contextmanager
def running_server(tmp_dir: Path, backend: str = "sqlite", serve_args: tuple[str, ...] = (), **settings: str):
    """Start a migrated Spark server; extra keyword settings become SPARK_* variables."""
    data_dir = Path(tmp_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with database_url(backend, data_dir) as url:
        env = {**os.environ, "SPARK_DATA_DIR": str(data_dir), "SPARK_DATABASE_URL": url,
               "SPARK_DOMAIN": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT),
               "SPARK_STREAMING_HEARTBEAT_SECONDS": "1"}  # streams notice a closed client within a second
        env.update({f"SPARK_{k.upper()}": str(v) for k, v in settings.items()})
        server = SparkServer(url=f"http://127.0.0.1:{port}", port=port, data_dir=data_dir, env=env,
                             backend=backend, serve_args=serve_args)
        server.spark("migrate")
        server.start()
        try:
            yield server
        finally:
            server.stop()

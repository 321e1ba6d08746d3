"""On SQLite, Spark runs statements on its event loop's thread. Another process holding the write lock (a
second `spark serve`, a `spark` command) must then make writes wait, asleep, without stopping the reads
and the other requests the same loop serves."""

from __future__ import annotations

import sqlite3
import threading
import time

import requests

from tests.harness import running_server

HOLD = 2.0  # seconds the lock is held


def test_a_write_lock_held_elsewhere_delays_writes_not_reads(tmp_path):
    with running_server(tmp_path) as server:
        me = server.new_user()
        me.status_post("before the lock")
        holder = sqlite3.connect(server.env["SPARK_DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None,
                                 check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # what another process's write transaction holds
        released_at = []

        def release() -> None:
            time.sleep(HOLD)
            released_at.append(time.monotonic())
            holder.execute("COMMIT")

        threading.Thread(target=release).start()
        started = time.monotonic()
        post = {}
        writer = threading.Thread(target=lambda: post.update(me.status_post("while the lock is held")))
        writer.start()
        time.sleep(0.3)  # the post is now waiting for the lock
        read_started = time.monotonic()
        page = requests.get(f"{server.url}/api/v1/timelines/home",
                            headers={"Authorization": f"Bearer {me.access_token}"}, timeout=10)
        read_took = time.monotonic() - read_started
        writer.join(30)
        holder.close()

        assert page.status_code == 200 and [s["content"] for s in page.json()] == ["<p>before the lock</p>"]
        assert read_took < HOLD / 2, f"a read waited {read_took:.2f} s behind a write waiting for the lock"
        assert post and post["content"] == "<p>while the lock is held</p>"
        assert released_at and time.monotonic() - started >= HOLD  # the post did wait for the lock
        assert [s["id"] for s in me.timeline_home()][0] == post["id"]

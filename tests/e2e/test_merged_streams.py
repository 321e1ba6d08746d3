"""Posts of accounts merged into home feeds at read time reach open home streams through one channel per
account; a connection listens on those channels only while it has a `user` stream (seen in Redis, where
each process subscribes to the channels its connections listen on)."""

import json
import os
import time

import pytest
import redis
from websockets.sync.client import connect

from tests.e2e.test_streaming import _ws_next, _ws_url
from tests.harness import backends, running_server, wait_for

REDIS_URL = os.environ.get("SPARK_TEST_REDIS_URL")


def _listening(cache, account_id: str) -> int:
    """How many Spark processes listen for the account's merged posts."""
    channel = f"spark:timeline:merged:{account_id}"
    return dict(cache.pubsub_numsub(channel))[channel.encode()]


def _updates(ws, seconds: float = 1.5) -> list[dict]:
    """The update events that arrive within `seconds`."""
    seen, deadline = [], time.time() + seconds
    while (left := deadline - time.time()) > 0:
        try:
            message = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            break
        if message.get("event") == "update":
            seen.append(message)
    return seen


@pytest.mark.skipif(not REDIS_URL, reason="needs SPARK_TEST_REDIS_URL")
@pytest.mark.parametrize("backend", backends())
def test_only_connections_with_a_user_stream_listen_for_accounts_merged_at_read(tmp_path, backend):
    cache = redis.from_url(REDIS_URL)
    with running_server(tmp_path, backend=backend, redis_url=REDIS_URL, celebrity_followers=1) as server:
        star, fan = server.new_user(), server.new_user()
        star_id = star.account_verify_credentials()["id"]
        for follower in (fan, server.new_user()):
            follower.account_follow(star_id)
        star.status_post("crossing the line")  # merged at read time from now on

        with connect(_ws_url(server, access_token=fan.access_token, stream="public"), open_timeout=10) as ws:
            time.sleep(0.5)
            assert _listening(cache, star_id) == 0
            star.status_post("unlisted, so on no public stream", visibility="unlisted")
            assert _updates(ws) == []

            ws.send(json.dumps({"type": "subscribe", "stream": "user"}))
            wait_for(lambda: _listening(cache, star_id) == 1)
            unlisted = star.status_post("for the home stream", visibility="unlisted")
            update = _ws_next(ws, "update")
            assert update["stream"] == ["user"] and json.loads(update["payload"])["id"] == unlisted["id"]

            ws.send(json.dumps({"type": "unsubscribe", "stream": "user"}))
            wait_for(lambda: _listening(cache, star_id) == 0)
            star.status_post("again on no stream of this connection", visibility="unlisted")
            assert _updates(ws) == []

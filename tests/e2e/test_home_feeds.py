"""Home feeds beyond plain fan-out: accounts with very many followers merged in at read time, feeds
bounded to their newest entries, and (with Redis) a cache of them that can vanish without losing a post."""

import json
import os
import sqlite3
import time

import pytest
import redis

from tests.e2e.test_streaming import SSE
from tests.harness import backends, running_server, wait_for

REDIS_URL = os.environ.get("SPARK_TEST_REDIS_URL")


def _me(client):
    return client.account_verify_credentials()


def _home_ids(client, **page) -> list[str]:
    return [status["id"] for status in client.timeline_home(**page)]


def _feed_rows(server, status_id: str) -> int:
    with sqlite3.connect(server.data_dir / "spark.sqlite3") as db:
        return db.execute("SELECT count(*) FROM home_feed WHERE status_id = ?", (int(status_id),)).fetchone()[0]


@pytest.mark.parametrize("backend", backends())
def test_posts_of_accounts_with_very_many_followers_are_merged_in_when_read(tmp_path, backend):
    with running_server(tmp_path, backend=backend, celebrity_followers=2) as server:
        star, friend = server.new_user(), server.new_user()
        fans = [server.new_user() for _ in range(3)]
        outsider = server.new_user()
        star_id = _me(star)["id"]
        for fan in fans:
            fan.account_follow(star_id)
        fans[0].account_follow(_me(friend)["id"])
        fans[1].account_follow(star_id, reblogs=False)

        stream = SSE(server.url + "/api/v1/streaming/user", fans[0].access_token)
        try:
            time.sleep(0.3)
            crossing = star.status_post("the post that crosses the line is still fanned out")
            assert json.loads(stream.next("update"))["id"] == crossing["id"]
            before = friend.status_post("an ordinary post, fanned out")
            public = star.status_post("to my many followers")
            private = star.status_post("followers only", visibility="private")
            after = friend.status_post("another ordinary post")
            assert json.loads(stream.next("update"))["id"] == before["id"]
            streamed = {json.loads(stream.next("update"))["id"] for _ in range(3)}
            assert {public["id"], private["id"], after["id"]} <= streamed | {before["id"]}
        finally:
            stream.close()
        if backend == "sqlite":
            assert _feed_rows(server, crossing["id"]) == 4
            assert _feed_rows(server, public["id"]) == 1  # the author's own feed only: no fan-out

        # Merged and fanned-out posts interleave in order, and page as one feed.
        assert _home_ids(fans[0])[:4] == [after["id"], private["id"], public["id"], before["id"]]
        assert _home_ids(fans[0], limit=2) == [after["id"], private["id"]]
        assert _home_ids(fans[0], max_id=private["id"], limit=2) == [public["id"], before["id"]]
        assert _home_ids(fans[0], min_id=before["id"], limit=2) == [private["id"], public["id"]]
        assert _home_ids(fans[0], since_id=public["id"]) == [after["id"], private["id"]]
        assert private["id"] not in _home_ids(outsider) and public["id"] not in _home_ids(outsider)

        # Reposts show only to followers who show the account's reposts.
        boosted = friend.status_post("worth a boost")
        star.status_reblog(boosted["id"])
        assert boosted["id"] in [s["reblog"]["id"] for s in fans[2].timeline_home() if s["reblog"]]
        assert not [s for s in fans[1].timeline_home() if s["reblog"]]

        # A list holding the account shows its posts; deleting and unfollowing take them away.
        members = fans[2].list_create("stars")
        fans[2].list_accounts_add(members["id"], [star_id])
        assert public["id"] in [s["id"] for s in fans[2].timeline_list(members["id"])]
        star.status_delete(private["id"])
        assert private["id"] not in _home_ids(fans[2])
        fans[2].account_unfollow(star_id)
        assert public["id"] not in _home_ids(fans[2])


def test_home_streams_hear_accounts_merged_at_read_from_the_moment_they_follow(tmp_path):
    with running_server(tmp_path, celebrity_followers=1) as server:
        star, friend = server.new_user(), server.new_user()
        star_id = _me(star)["id"]
        for fan in (server.new_user(), server.new_user()):
            fan.account_follow(star_id)
        star.status_post("crossing the line")
        late, picky = server.new_user(), server.new_user()
        picky.account_follow(star_id, reblogs=False)
        streams = [SSE(server.url + "/api/v1/streaming/user", client.access_token) for client in (late, picky)]
        try:
            time.sleep(0.3)
            late.account_follow(star_id)  # while its stream is open
            time.sleep(0.3)
            shared = friend.status_post("worth a boost")
            star.status_reblog(shared["id"])
            own = star.status_post("merged, not fanned out")
            assert _feed_rows(server, own["id"]) == 1
            assert json.loads(streams[0].next("update"))["reblog"]["id"] == shared["id"]
            assert json.loads(streams[0].next("update"))["id"] == own["id"]
            assert json.loads(streams[1].next("update"))["id"] == own["id"]  # the repost skipped
        finally:
            for stream in streams:
                stream.close()


def test_an_account_falling_back_under_the_threshold_fans_out_again_without_losing_posts(tmp_path):
    with running_server(tmp_path, celebrity_followers=2) as server:
        star = server.new_user()
        fans = [server.new_user() for _ in range(3)]
        for fan in fans:
            fan.account_follow(_me(star)["id"])
        star.status_post("crossing the line")
        merged = star.status_post("while famous")
        assert _feed_rows(server, merged["id"]) == 1
        for fan in fans[1:]:
            fan.account_unfollow(_me(star)["id"])  # 1 follower left: under 0.8 × 2
        fanned = star.status_post("ordinary again")
        assert _home_ids(fans[0])[:2] == [fanned["id"], merged["id"]]
        assert _feed_rows(server, fanned["id"]) == 2
        assert _feed_rows(server, merged["id"]) == 2  # refilled into the remaining follower's feed


def test_home_feeds_keep_their_newest_entries(tmp_path):
    """Trimming runs on the worker's timer, and first when it starts."""
    with running_server(tmp_path, home_feed_size=4) as server:
        author, reader = server.new_user(), server.new_user()
        reader.account_follow(_me(author)["id"])
        posts = [author.status_post(f"post {n}")["id"] for n in range(8)]
        assert _home_ids(reader)[:8] == posts[::-1]
        server.stop()
        server.start()
        assert wait_for(lambda: _home_ids(reader) == posts[:3:-1])
        assert _home_ids(reader, max_id=posts[4]) == []


@pytest.mark.skipif(not REDIS_URL, reason="needs SPARK_TEST_REDIS_URL")
@pytest.mark.parametrize("backend", backends())
def test_home_feeds_are_cached_in_redis_and_rebuilt_when_lost(tmp_path, backend):
    cache = redis.from_url(REDIS_URL)
    with running_server(tmp_path, backend=backend, redis_url=REDIS_URL, home_feed_size=5) as server:
        author, reader = server.new_user(), server.new_user()
        key = f"spark:feed:{_me(reader)['id']}"
        reader.account_follow(_me(author)["id"])
        older = [author.status_post(f"older {n}")["id"] for n in range(7)]
        assert _home_ids(reader) == older[::-1]  # the first read builds the cached copy
        assert cache.zcard(key) == 5

        newer = [author.status_post(f"newer {n}")["id"] for n in range(3)]
        assert wait_for(lambda: cache.zcard(key) == 5 and
                           max(cache.zrange(key, 0, -1)) == f"{int(newer[-1]):020d}".encode())
        everything = (older + newer)[::-1]
        assert _home_ids(reader) == everything
        assert _home_ids(reader, limit=3) == everything[:3]
        assert _home_ids(reader, max_id=everything[2], limit=3) == everything[3:6]
        assert _home_ids(reader, max_id=everything[4]) == everything[5:]  # past the cache: database
        assert _home_ids(reader, min_id=everything[3], limit=2) == everything[1:3]
        assert _home_ids(reader, since_id=everything[1]) == everything[:1]

        author.status_delete(newer[-1])
        assert _home_ids(reader)[0] == newer[-2]
        cache.delete(key)  # Redis lost it: rebuilt from the database on the next read
        assert _home_ids(reader) == everything[1:]
        assert cache.exists(key)
        reader.account_unfollow(_me(author)["id"])
        assert _home_ids(reader) == []

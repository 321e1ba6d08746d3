"""Posts from other servers are searchable by their words as they arrive, are edited and are deleted; their
markup is not, and their followers-only posts are never found."""

from __future__ import annotations

import secrets

import pytest

from tests.federation.support import local_follower, settle, spark_with_origin
from tests.harness import backends


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("remote-search"), request.param) as (spark, origin):
        yield spark, origin


def _found(client, query: str) -> list[str]:
    return [s["uri"] for s in client.search_v2(query, resolve=False, result_type="statuses")["statuses"]]


def _deliver(spark, origin, author, activity) -> None:
    assert origin.post(spark.url + "/inbox", activity, author).status_code == 202
    settle(spark)


def test_remote_posts_are_found_by_their_words_through_edits_until_deleted(world):
    spark, origin = world
    author = origin.actor("victim.test", "writer" + secrets.token_hex(3))
    reader, _ = local_follower(spark, origin, author)
    old, new = "w" + secrets.token_hex(5), "w" + secrets.token_hex(5)
    note = author.note("", content=f'<p>Morning {old} by the <a href="https://victim.test/sea" class="u-url '
                                   f'nofollow">sea</a></p><p>second paragraph</p>')
    _deliver(spark, origin, author, author.create(note))
    assert _found(reader, f"{old} sea") == [note["id"]]
    assert _found(reader, f"sea {old} paragraph") == [note["id"]]
    assert _found(reader, f"{old} href") == [] and _found(reader, f"{old} nofollow") == []

    edited = dict(note, content=f"<p>Evening {new}</p>", updated="2099-01-01T00:00:00Z")
    _deliver(spark, origin, author, author.activity("Update", edited))
    assert _found(reader, old) == []
    assert _found(reader, f"evening {new}") == [note["id"]]

    _deliver(spark, origin, author, author.activity("Delete", {"id": note["id"], "type": "Tombstone"}))
    assert _found(reader, new) == []


def test_remote_followers_only_posts_are_not_found(world):
    spark, origin = world
    author = origin.actor("victim.test", "quiet" + secrets.token_hex(3))
    reader, _ = local_follower(spark, origin, author)
    word = "w" + secrets.token_hex(5)
    shown = author.note(f"{word} for everyone")
    hidden = author.note(f"{word} for followers", to=[author.id + "/followers"], cc=[])
    for note in (shown, hidden):
        _deliver(spark, origin, author, author.create(note))
    assert reader.timeline_home()[0]["uri"] == hidden["id"]  # stored and shown to its follower
    assert _found(reader, word) == [shown["id"]]

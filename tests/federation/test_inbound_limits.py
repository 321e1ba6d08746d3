"""Oversize and recursive inbound objects (RELIABILITY.md item 9): too-large bodies are refused, huge
lists are cut to the limits, reply chains and self-quotes end after a bounded number of fetches, and a
legitimate long Article still fits."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.federation.support import local_follower, settle, spark_with_origin, statuses_with_uri
from tests.harness import backends

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("inbound-limits"), request.param) as (spark, origin):
        evil = origin.actor("evil.test", "a")
        client, evil_here = local_follower(spark, origin, evil, username="lain")
        yield spark, origin, client, evil


def deliver(spark, origin, actor, note) -> float:
    """Create(note) signed by `actor`; seconds until Spark has processed it."""
    started = time.monotonic()
    response = origin.post(spark.url + "/inbox", actor.create(note), actor)
    assert response.status_code == 202, response.text
    settle(spark)
    return time.monotonic() - started


def status_of(client, uri: str) -> dict:
    found = client.search_v2(uri, resolve=True, result_type="statuses")["statuses"]
    assert found, f"{uri} not stored"
    return found[0]


def test_a_two_megabyte_activity_is_413(world):
    spark, origin, _, evil = world
    note = evil.note("x" * 2_000_000)
    response = origin.post(spark.url + "/inbox", evil.create(note), evil)
    assert response.status_code == 413
    # also when the sender does not say how long it is (chunked)
    body = json.dumps(evil.create(evil.note("y" * 2_000_000))).encode()
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    response = requests.post(spark.url + "/inbox", data=chunks, headers={"Content-Type": "application/activity+json"},
                             timeout=30)
    assert response.status_code == 413
    assert statuses_with_uri(spark, note["id"]) == 0


def test_huge_lists_are_cut_to_the_limits_quickly(world):
    spark, origin, client, evil = world
    tags = evil.note("five thousand tags", tag=[{"type": "Hashtag", "name": f"#tag{i}"} for i in range(5000)])
    mentions = evil.note("five thousand mentions", tag=[
        {"type": "Mention", "href": origin.url("other.test", f"/users/u{i}"), "name": f"@u{i}"} for i in range(5000)])
    attachments = evil.note("a thousand attachments", attachment=[
        {"type": "Document", "mediaType": "image/png", "url": origin.url("other.test", f"/media/{i}.png")}
        for i in range(1000)])
    poll = evil.note("ten thousand options", type="Question", content="<p>ten thousand options</p>",
                     oneOf=[{"type": "Note", "name": f"option {i}", "replies": {"type": "Collection", "totalItems": i}}
                            for i in range(10_000)], endTime="2099-01-01T00:00:00Z")
    for note in (tags, mentions, attachments, poll):
        assert deliver(spark, origin, evil, note) < 5  # Spark's job poll is 1 s; the work itself is quick
    assert len(status_of(client, tags["id"])["tags"]) <= 50
    assert len(status_of(client, mentions["id"])["mentions"]) <= 50
    assert len(status_of(client, attachments["id"])["media_attachments"]) <= 16
    options = status_of(client, poll["id"])["poll"]["options"]
    assert 2 <= len(options) <= 20 and options[0]["title"] == "option 0"


def test_a_reply_chain_ten_thousand_deep_is_fetched_only_a_little(world):
    spark, origin, client, evil = world
    chain = [evil.note(f"link {i}", number=100_000 + i) for i in range(10_000)]
    for i, note in enumerate(chain):
        if i:
            note["inReplyTo"] = chain[i - 1]["id"]
        origin.serve(note["id"], note)
    deliver(spark, origin, evil, chain[-1])
    fetched = [n["id"] for n in chain if origin.fetches(n["id"])]
    assert 1 <= len(fetched) <= 10  # a depth cap, not the whole chain
    assert all(origin.fetches(uri) == 1 for uri in fetched)  # each URL at most once
    assert statuses_with_uri(spark, chain[-1]["id"]) == 1


def test_a_post_quoting_itself_is_stored_once_after_one_fetch(world):
    spark, origin, client, evil = world
    note = evil.note("I quote myself")
    note["quoteUrl"] = note["_misskey_quote"] = note["id"]
    origin.serve(note["id"], note)
    deliver(spark, origin, evil, note)
    assert statuses_with_uri(spark, note["id"]) == 1
    assert origin.fetches(note["id"]) <= 1


def test_a_mutual_quote_loop_ends(world):
    spark, origin, client, evil = world
    first, second = evil.note("quote loop one"), evil.note("quote loop two")
    first["quoteUrl"], second["quoteUrl"] = second["id"], first["id"]
    origin.serve(first["id"], first)
    origin.serve(second["id"], second)
    deliver(spark, origin, evil, first)
    assert statuses_with_uri(spark, first["id"]) == 1
    assert origin.fetches(first["id"]) <= 1 and origin.fetches(second["id"]) <= 1


def test_a_long_article_still_fits(world):
    spark, origin, client, evil = world
    body = "".join(f"<p>Paragraph {i}: " + "lorem ipsum dolor sit amet " * 20 + "</p>" for i in range(140))
    article = evil.note("unused", type="Article", name="A long article", content=body,
                        url=evil.url("/blog/a-long-article"))
    assert 70_000 < len(json.dumps(article)) < 1_000_000
    deliver(spark, origin, evil, article)
    status = status_of(client, article["id"])
    assert "A long article" in status["content"] and "/blog/a-long-article" in status["content"]

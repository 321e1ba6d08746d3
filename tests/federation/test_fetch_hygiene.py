"""What Spark believes when it fetches from another server (RELIABILITY.md item 6): an object only as
served at its own id, on the host asked, with an ActivityStreams Content-Type; a redirect to another
host is refused, one on the same host followed."""

from __future__ import annotations

import pytest

from tests.federation.support import (
    local_follower,
    settle,
    spark_with_origin,
    statuses_containing,
    statuses_with_uri,
)
from tests.harness import backends

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("fetch-hygiene"), request.param) as (spark, origin):
        lain = spark.new_user("lain")
        victim = origin.actor("victim.test", "v", key_index=1)
        evil = origin.actor("evil.test", "a", key_index=0)
        yield spark, origin, lain, victim, evil


def resolve(client, url: str) -> list:
    return client.search_v2(url, resolve=True, result_type="statuses")["statuses"]


def test_a_redirect_to_another_host_is_not_followed(world):
    spark, origin, lain, victim, evil = world
    # victim.test has an open redirect; evil.test answers with a Note that claims the redirecting URL as its id
    forged = victim.note("forged via an open redirect", id=victim.url("/go"))
    origin.serve(evil.url("/notes/forged"), forged)
    origin.serve(victim.url("/go"), None, status=302, location=evil.url("/notes/forged"))
    assert resolve(lain, victim.url("/go")) == []
    assert statuses_containing(spark, "forged via an open redirect") == 0
    assert origin.fetches(victim.url("/go")) >= 1


def test_a_redirect_on_the_same_host_is_followed(world):
    spark, origin, lain, victim, _ = world
    note = victim.note("moved on the same host")
    origin.serve(note["id"], note)
    origin.serve(victim.url("/moved"), None, status=301, location=note["id"])
    found = resolve(lain, victim.url("/moved"))
    assert [s["uri"] for s in found] == [note["id"]]


@pytest.mark.parametrize("content_type", ["application/json", "", "text/html; charset=utf-8"])
def test_an_object_without_an_activitystreams_content_type_is_refused(world, content_type):
    spark, origin, lain, victim, _ = world
    note = victim.note(f"served as {content_type or 'nothing'}")
    origin.serve(note["id"], note, content_type=content_type)
    assert resolve(lain, note["id"]) == []
    assert statuses_with_uri(spark, note["id"]) == 0
    origin.serve(note["id"], note, content_type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert [s["uri"] for s in resolve(lain, note["id"])] == [note["id"]]


def test_an_object_served_under_another_url_is_believed_only_at_its_own_id(world):
    spark, origin, lain, victim, _ = world
    # Akkoma's spoofed-object case: the host serves (an upload, say) a Note naming an id that does not exist
    spoof = victim.note("spoofed: Oracle buys the fediverse", id=victim.url("/objects/spoof"))
    origin.serve(victim.url("/media/upload.json"), spoof)
    assert resolve(lain, victim.url("/media/upload.json")) == []
    assert statuses_containing(spark, "Oracle buys") == 0
    # a post's web page URL answering with the canonical Note is fine: it is re-read at its id
    note = victim.note("reached through its web page")
    origin.serve(note["id"], note)
    origin.serve(victim.url("/@v/4242"), note)
    assert [s["uri"] for s in resolve(lain, victim.url("/@v/4242"))] == [note["id"]]


def test_announce_by_web_url_boosts_the_canonical_post_once(world):
    spark, origin, lain, victim, evil = world
    local_follower(spark, origin, evil, username="booster_fan")
    note = victim.note("boosted by its web URL")
    origin.serve(note["id"], note)
    origin.serve(victim.url("/@v/777"), note)
    announce = evil.activity("Announce", victim.url("/@v/777"), to=[PUBLIC], cc=[evil.id + "/followers"])
    for _ in range(2):  # delivered twice: one reblog
        assert origin.post(spark.url + "/inbox", announce, evil).status_code == 202
        settle(spark)
    assert statuses_with_uri(spark, note["id"]) == 1
    assert statuses_with_uri(spark, announce["id"]) == 1

"""Move (account migration) and Add/Remove on the featured collection, from a fake remote server."""

from __future__ import annotations

import time

from tests.federation.support import local_follower, scalar, settle, spark_with_origin


def followed_accts(client) -> set[str]:
    return {a["acct"] for a in client.account_following(client.me()["id"])}


def test_move_is_followed_only_when_the_new_account_names_the_old(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        old = origin.actor("victim.test", "oldname")
        impostor_target = origin.actor("evil.test", "grabber")  # does not list the old account
        new = origin.actor("other.test", "newname", key_index=1, alsoKnownAs=[old.id])
        client, _ = local_follower(spark, origin, old)

        refused = old.activity("Move", old.id, target=impostor_target.id)
        assert origin.post(spark.url + "/inbox", refused, old).status_code == 202
        settle(spark)
        assert followed_accts(client) == {old.acct}

        moved = old.activity("Move", old.id, target=new.id)
        assert origin.post(spark.url + "/inbox", moved, old).status_code == 202
        settle(spark)
        deadline = time.time() + 15
        follow = None
        while follow is None and time.time() < deadline:  # the local follower asks the new account
            follow = next((h.json for h in origin.received("other.test") if h.json
                           and h.json.get("type") == "Follow" and h.json.get("object") == new.id), None)
            time.sleep(0.1)
        assert follow is not None
        assert old.acct not in followed_accts(client)
        moved_to = scalar(spark, "SELECT n.uri FROM accounts o JOIN accounts n ON n.id = o.moved_to_account_id "
                                 "WHERE o.uri = :uri", uri=old.id)
        assert moved_to == new.id


def test_a_remote_account_pins_and_unpins_its_own_post_only(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        author = origin.actor("victim.test", "pinner", featured=origin.url("victim.test", "/users/pinner/featured"))
        other = origin.actor("evil.test", "someone", key_index=1)
        client, account = local_follower(spark, origin, author)
        mine, theirs = author.note("pin me"), other.note("not yours to pin")
        for note, actor in ((mine, author), (theirs, other)):
            origin.serve(note["id"], note, content_type="application/activity+json")
            assert origin.post(spark.url + "/inbox", actor.create(note), actor).status_code == 202
        settle(spark)
        featured = author.document["featured"]
        for uri in (mine["id"], theirs["id"]):
            add = author.activity("Add", uri, target=featured)
            assert origin.post(spark.url + "/inbox", add, author).status_code == 202
        settle(spark)
        pinned = client.account_statuses(account["id"], pinned=True)
        assert [s["uri"] for s in pinned] == [mine["id"]]
        remove = author.activity("Remove", mine["id"], target=featured)
        assert origin.post(spark.url + "/inbox", remove, author).status_code == 202
        settle(spark)
        assert client.account_statuses(account["id"], pinned=True) == []

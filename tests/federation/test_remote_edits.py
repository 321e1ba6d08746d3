"""Updates of remote posts: a new text is an edit with its history (the first version included), while
an Update that only brings poll tallies, as Mastodon sends after each vote, is not shown as an edit."""

from __future__ import annotations

import time

from tests.federation.support import local_follower, settle, spark_with_origin

AP = "application/activity+json"


def _later(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds))


def test_tallies_are_not_edits_and_edits_keep_their_history(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        author = origin.actor("victim.test", "pollster")
        reader, _ = local_follower(spark, origin, author)
        question = author.note("Tea or coffee?", type="Question", endTime=_later(3600),
                               oneOf=[{"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 0}},
                                      {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 0}}])
        assert origin.post(spark.url + "/inbox", author.create(question), author).status_code == 202
        settle(spark)
        shown = reader.search_v2(question["id"], resolve=True, result_type="statuses")["statuses"][0]

        tallied = dict(question, votersCount=3, oneOf=[
            {"type": "Note", "name": "Tea", "replies": {"type": "Collection", "totalItems": 2}},
            {"type": "Note", "name": "Coffee", "replies": {"type": "Collection", "totalItems": 1}}])
        assert origin.post(spark.url + "/inbox", author.activity("Update", tallied), author).status_code == 202
        settle(spark)
        status = reader.status(shown["id"])
        assert [o["votes_count"] for o in status["poll"]["options"]] == [2, 1]
        assert status["edited_at"] is None
        assert len(reader.status_history(shown["id"])) <= 1

        edited = dict(tallied, content="<p>Tea, coffee or water?</p>", updated=_later(1))
        assert origin.post(spark.url + "/inbox", author.activity("Update", edited), author).status_code == 202
        settle(spark)
        status = reader.status(shown["id"])
        assert status["edited_at"] is not None and "water" in status["content"]
        assert [("water" in v["content"]) for v in reader.status_history(shown["id"])] == [False, True]

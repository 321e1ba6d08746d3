"""Quotes arriving from other servers are believed only when the quoted author approved them (FEP-044f):
a self-quote, a quote of a post that mentions the quoter, a valid QuoteAuthorization stamp from the
quoted author's server (in the Create, or later in an Update), or, for a local post, Spark's own answer
to the QuoteRequest. Anything else is shown as pending: no quoted post, not counted, nobody notified."""

from __future__ import annotations

import time

import requests

from tests.federation.support import local_follower, settle, spark_with_origin

AP = "application/activity+json"


def _quote_of(client, uri: str) -> dict:
    found = client.search_v2(uri, resolve=True, result_type="statuses")["statuses"]
    assert found, f"{uri} not found"
    return found[0]


def _deliver(spark, origin, actor, note: dict) -> None:
    origin.serve(note["id"], note, content_type=AP)
    assert origin.post(spark.url + "/inbox", actor.create(note), actor).status_code == 202
    settle(spark)


def _stamp(origin, quoted_author, quote: dict, target_uri: str, *, number: int) -> str:
    """A QuoteAuthorization served by the quoted author's server, as Mastodon 4.5 serves one."""
    stamp_id = quoted_author.url(f"/users/{quoted_author.username}/quote_authorizations/{number}")
    origin.serve(stamp_id, {"@context": "https://www.w3.org/ns/activitystreams", "id": stamp_id,
                            "type": "QuoteAuthorization", "attributedTo": quoted_author.id,
                            "interactingObject": quote["id"], "interactionTarget": target_uri}, content_type=AP)
    return stamp_id


def test_remote_quotes_of_remote_posts_need_the_quoted_authors_stamp(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        quoter = origin.actor("victim.test", "quoter")
        quoted_author = origin.actor("other.test", "quoted")
        reader, _ = local_follower(spark, origin, quoter)
        original = quoted_author.note("An original thought")
        origin.serve(original["id"], original, content_type=AP)

        unapproved = quoter.note("No stamp", quote=original["id"])
        _deliver(spark, origin, quoter, unapproved)
        shown = _quote_of(reader, unapproved["id"])
        assert shown["quote"]["state"] == "pending" and shown["quote"]["quoted_status"] is None

        approved = quoter.note("With a stamp", quote=original["id"])
        approved["quoteAuthorization"] = _stamp(origin, quoted_author, approved, original["id"], number=1)
        _deliver(spark, origin, quoter, approved)
        shown = _quote_of(reader, approved["id"])
        assert shown["quote"]["state"] == "accepted"
        assert shown["quote"]["quoted_status"]["uri"] == original["id"]

        # A stamp the quoter serves itself, or one naming another post, approves nothing.
        forged = quoter.note("Forged stamp", quote=original["id"])
        forged_id = quoter.url("/users/quoter/quote_authorizations/9")
        origin.serve(forged_id, {"id": forged_id, "type": "QuoteAuthorization", "attributedTo": quoted_author.id,
                                 "interactingObject": forged["id"], "interactionTarget": original["id"]},
                     content_type=AP)
        forged["quoteAuthorization"] = forged_id
        _deliver(spark, origin, quoter, forged)
        assert _quote_of(reader, forged["id"])["quote"]["state"] == "pending"
        other = quoter.note("Someone else's stamp", quote=original["id"])
        other["quoteAuthorization"] = _stamp(origin, quoted_author, approved, original["id"], number=2)
        _deliver(spark, origin, quoter, other)
        assert _quote_of(reader, other["id"])["quote"]["state"] == "pending"

        # Mastodon sends the stamp in an Update of the quote once it has it.
        later = dict(unapproved, quoteAuthorization=_stamp(origin, quoted_author, unapproved, original["id"], number=3),
                     updated=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1)))
        origin.serve(later["id"], later, content_type=AP)
        assert origin.post(spark.url + "/inbox", quoter.activity("Update", later), quoter).status_code == 202
        settle(spark)
        assert _quote_of(reader, unapproved["id"])["quote"]["state"] == "accepted"

        # Quoting oneself needs nobody's approval.
        own = quoter.note("My earlier post")
        origin.serve(own["id"], own, content_type=AP)
        again = quoter.note("Quoting myself", quote=own["id"])
        _deliver(spark, origin, quoter, again)
        assert _quote_of(reader, again["id"])["quote"]["state"] == "accepted"


def test_a_remote_quote_of_a_local_post_waits_for_its_quote_request(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        quoter = origin.actor("victim.test", "quoter")
        author = spark.new_user()
        post = author.status_post("Quote me if you like")
        quote = quoter.note("Quoting a Spark post", quote=post["uri"])
        _deliver(spark, origin, quoter, quote)
        assert _quote_of(author, quote["id"])["quote"]["state"] == "pending"
        assert author.status(post["id"])["quotes_count"] == 0
        assert not [n for n in author.notifications() if n["type"] == "quote"]

        request = quoter.activity("QuoteRequest", post["uri"], instrument=quote["id"])
        assert origin.post(spark.url + "/inbox", request, quoter).status_code == 202
        settle(spark)
        assert _quote_of(author, quote["id"])["quote"]["state"] == "accepted"
        assert author.status(post["id"])["quotes_count"] == 1
        assert [n["status"]["uri"] for n in author.notifications() if n["type"] == "quote"] == [quote["id"]]
        # Asking again changes nothing.
        again = quoter.activity("QuoteRequest", post["uri"], instrument=quote["id"])
        assert origin.post(spark.url + "/inbox", again, quoter).status_code == 202
        settle(spark)
        assert author.status(post["id"])["quotes_count"] == 1
        # Revoking a quote that was never approved does not take away a counted one.
        unasked = quoter.note("Quoting without asking", quote=post["uri"])
        _deliver(spark, origin, quoter, unasked)
        pending = _quote_of(author, unasked["id"])
        revoked = requests.post(f"{spark.url}/api/v1/statuses/{post['id']}/quotes/{pending['id']}/revoke",
                                headers={"Authorization": f"Bearer {author.access_token}"}, timeout=10)
        assert revoked.status_code == 200, revoked.text
        assert author.status(post["id"])["quotes_count"] == 1

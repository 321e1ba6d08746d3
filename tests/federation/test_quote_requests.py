"""FEP-044f quote consent, as Mastodon 4.5 asks it: a remote QuoteRequest for a local post is answered
by the post's quote policy, with a QuoteAuthorization stamp that third parties can fetch."""

from __future__ import annotations

import time

import requests

from tests.federation.support import settle, spark_with_origin


def answer_to(origin, host: str, request_id: str) -> dict:
    deadline = time.time() + 15
    while time.time() < deadline:
        for hit in origin.received(host):
            body = hit.json or {}
            if body.get("type") in ("Accept", "Reject") and isinstance(body.get("object"), dict) \
                    and body["object"].get("id") == request_id:
                return body
        time.sleep(0.1)
    raise AssertionError("no answer to the QuoteRequest")


def test_quote_request_is_accepted_with_a_stamp_or_rejected_by_policy(tmp_path):
    with spark_with_origin(tmp_path) as (spark, origin):
        quoter = origin.actor("victim.test", "quoter")
        author = spark.new_user()
        open_post = author.status_post("Quote me if you like")
        closed_post = author.status_post("Nobody quotes this", quote_approval_policy="nobody")
        for post in (open_post, closed_post):
            quote = quoter.note("My take", quote=post["uri"])
            origin.serve(quote["id"], quote, content_type="application/activity+json")
            request = quoter.activity("QuoteRequest", post["uri"], instrument=quote["id"])
            assert origin.post(spark.url + "/inbox", request, quoter).status_code == 202
            settle(spark)
            answer = answer_to(origin, "victim.test", request["id"])
            if post is open_post:
                assert answer["type"] == "Accept"
                stamp = requests.get(answer["result"], headers={"Accept": "application/activity+json"}, timeout=10)
                assert stamp.status_code == 200
                assert stamp.json()["type"] == "QuoteAuthorization"
                assert stamp.json()["interactingObject"] == quote["id"]
                assert stamp.json()["interactionTarget"] == post["uri"]
                assert author.status(post["id"])["quotes_count"] == 1
                accepted = (answer["result"], quote["id"])
            else:
                assert answer["type"] == "Reject" and "result" not in answer
        forged = open_post["uri"] + "/quotes/1"
        assert requests.get(forged, headers={"Accept": "application/activity+json"}, timeout=10).status_code == 404

        # The author detaches their post: the stamp is deleted, at the quoter's server too.
        stamp, quote_uri = accepted
        quoting = author.search_v2(quote_uri, resolve=True, result_type="statuses")["statuses"][0]
        revoked = requests.post(f"{spark.url}/api/v1/statuses/{open_post['id']}/quotes/{quoting['id']}/revoke",
                                headers={"Authorization": f"Bearer {author.access_token}"}, timeout=10)
        assert revoked.status_code == 200, revoked.text
        assert author.status(open_post["id"])["quotes_count"] == 0
        settle(spark)
        deadline = time.time() + 15
        while time.time() < deadline and not [h for h in origin.received("victim.test")
                                               if (h.json or {}).get("type") == "Delete"]:
            time.sleep(0.1)
        deletes = [h.json for h in origin.received("victim.test") if (h.json or {}).get("type") == "Delete"]
        assert [d["object"] for d in deletes] == [stamp]
        assert requests.get(stamp, headers={"Accept": "application/activity+json"}, timeout=10).status_code == 404


def test_quote_request_whose_quote_cannot_be_fetched_yet_is_answered_once_it_can(tmp_path):
    """A Reject is final, so a quote post its server cannot serve just now (down, overloaded) is asked for
    again later rather than refused."""
    with spark_with_origin(tmp_path) as (spark, origin):
        quoter = origin.actor("victim.test", "quoter")
        post = spark.new_user().status_post("Quote me when your server is back")
        quote = quoter.note("Worth quoting", quote=post["uri"])
        request = quoter.activity("QuoteRequest", post["uri"], instrument=quote["id"])
        assert origin.post(spark.url + "/inbox", request, quoter).status_code == 202
        time.sleep(2)  # its first try has failed (settle() would report the failed job)
        assert not [h for h in origin.received("victim.test") if (h.json or {}).get("type") in ("Accept", "Reject")]

        origin.serve(quote["id"], quote, content_type="application/activity+json")
        assert answer_to(origin, "victim.test", request["id"])["type"] == "Accept"

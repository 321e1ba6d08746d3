"""FEP-044f quote consent, the asking side (Mastodon 4.5): a local post quoting a remote post sends its
author a QuoteRequest and stays pending until that author, and only that author, answers: Accept with a
QuoteAuthorization stamp, Reject, or later a Delete of the stamp."""

from __future__ import annotations

import time

import pytest
import requests

from tests.federation.support import settle, spark_with_origin
from tests.harness import backends, running_server, wait_for

AP = {"Accept": "application/activity+json"}
FEDERATION = {"federation_allow_private": "1", "rate_limits_enabled": "0"}


def find_post(client, uri: str) -> dict:
    found = client.search_v2(uri, resolve=True, result_type="statuses")["statuses"]
    assert found, f"{uri} not resolved"
    assert found[0]["uri"] == uri
    return found[0]


def note_of(uri: str) -> dict:
    response = requests.get(uri, headers=AP, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def quote_state_reaches(client, status_id, wanted: str, timeout: float = 45.0) -> dict:
    """The post once its quote's state is `wanted`; else fails naming the states seen (pending: no answer
    came; rejected: the other server refused). The timeout allows a loaded CI machine several rounds of
    the two servers' job queues."""
    seen: list[str] = []

    def check():
        status = client.status(status_id)
        seen.append(status["quote"]["state"])
        return status if seen[-1] == wanted else None

    try:
        return wait_for(check, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"quote {status_id} still {seen[-1]!r} after {timeout} s, not {wanted!r} "
                             f"(states seen: {sorted(set(seen))})") from None


# --- two real Spark servers ------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=backends())
def pair(request, tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("quote-a"), backend=request.param, **FEDERATION) as a, \
            running_server(tmp_path_factory.mktemp("quote-b"), backend=request.param, **FEDERATION) as b:
        yield a, b


def test_quote_of_a_post_on_another_server_is_accepted_by_its_policy(pair):
    a, b = pair
    alice, bob = a.new_user(), b.new_user()
    post = bob.status_post("Quote me from server A")
    copy = find_post(alice, post["uri"])
    quote = alice.status_post("Worth a read", quoted_status_id=copy["id"])

    accepted = quote_state_reaches(alice, quote["id"], "accepted")
    assert accepted["quote"]["quoted_status"]["id"] == copy["id"]
    assert alice.status(copy["id"])["quotes_count"] == 1
    # B granted a stamp for exactly this quote, and A's Note now shows it to third parties.
    note = note_of(quote["uri"])
    stamp = note_of(note["quoteAuthorization"])
    assert stamp["type"] == "QuoteAuthorization"
    assert stamp["interactingObject"] == quote["uri"] and stamp["interactionTarget"] == post["uri"]
    assert bob.status(post["id"])["quotes_count"] == 1


@pytest.mark.parametrize("policy", ["nobody", "followers"])
def test_quote_refused_by_the_quoted_posts_policy_is_rejected(pair, policy):
    a, b = pair
    alice, bob = a.new_user(), b.new_user()
    post = bob.status_post(f"Not for quoting ({policy})", quote_approval_policy=policy)
    copy = find_post(alice, post["uri"])
    quote = alice.status_post("Quoting anyway", quoted_status_id=copy["id"])

    rejected = quote_state_reaches(alice, quote["id"], "rejected")
    assert rejected["quote"]["quoted_status"] is None
    assert alice.status(copy["id"])["quotes_count"] == 0
    assert "quoteAuthorization" not in note_of(quote["uri"])


# --- a fake remote author, to stay silent and to forge ---------------------------------------------------
@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("quote-out"), request.param) as (spark, origin):
        yield spark, origin


def quote_request_sent(origin, host: str, request_id: str) -> dict:
    return wait_for(lambda: next((h.json for h in origin.received(host)
                                  if (h.json or {}).get("type") == "QuoteRequest" and h.json.get("id") == request_id),
                                 None))


def _quoted_remote_post(world, text: str, take: str):
    """A remote author's post quoted by a new local user: (author, mallory — another account on the
    author's server, client, local copy of the post, the quote, the QuoteRequest Spark sent)."""
    spark, origin = world
    author = origin.actor("victim.test", "author")
    mallory = origin.actor("victim.test", "mallory", key_index=1)
    post = author.note(text)
    origin.serve(post["id"], post)
    client = spark.new_user()
    copy = find_post(client, post["id"])
    quote = client.status_post(take, quoted_status_id=copy["id"])
    request = quote_request_sent(origin, "victim.test", quote["uri"] + "#quote_request")
    return author, mallory, client, copy, quote, request


def test_quote_stays_pending_until_its_author_answers_and_forgeries_change_nothing(world):
    spark, origin = world
    author, mallory, client, copy, quote, request = _quoted_remote_post(world, "Ask before you quote me", "My take")
    evil = origin.actor("evil.test", "evil", key_index=2)
    assert request["actor"] == f"{spark.url}/users/{client.me()['username']}"
    assert request["object"] == copy["uri"]  # the remote post's own id
    assert request["instrument"]["id"] == quote["uri"] and request["instrument"]["quote"] == copy["uri"]

    def state() -> str:
        settle(spark)
        status = client.status(quote["id"])
        if status["quote"]["state"] != "accepted":
            assert status["quote"]["quoted_status"] is None
        return status["quote"]["state"]

    # No answer: pending, as Mastodon shows it, and nothing counted.
    time.sleep(1)
    assert state() == "pending" and client.status(copy["id"])["quotes_count"] == 0

    stamp = author.url("/users/author/quote_authorizations/1")
    forgeries = [
        (mallory, mallory.activity("Accept", request, result=stamp)),  # the right server, the wrong account
        (evil, evil.activity("Accept", request, result=evil.url("/stamps/1"))),
        (author, author.activity("Accept", request, result=evil.url("/stamps/1"))),  # a stamp on another host
        (author, author.activity("Accept", request)),  # no stamp at all
    ]
    for forger, accept in forgeries:
        assert origin.post(spark.url + "/inbox", accept, forger).status_code == 202
        assert state() == "pending"
    assert "quoteAuthorization" not in note_of(quote["uri"])

    for _ in range(2):  # the answer, then a re-sent copy of it under a new id
        accept = author.activity("Accept", {"id": request["id"], "type": "QuoteRequest"}, result=stamp)
        assert origin.post(spark.url + "/inbox", accept, author).status_code == 202
        assert state() == "accepted"
    assert client.status(quote["id"])["quote"]["quoted_status"]["id"] == copy["id"]
    assert client.status(copy["id"])["quotes_count"] == 1
    assert note_of(quote["uri"])["quoteAuthorization"] == stamp

    # Only the author withdraws the stamp; then the quote is revoked.
    assert origin.post(spark.url + "/inbox", mallory.activity("Delete", stamp), mallory).status_code == 202
    assert state() == "accepted"
    assert origin.post(spark.url + "/inbox", author.activity("Delete", stamp), author).status_code == 202
    assert state() == "revoked"
    assert client.status(copy["id"])["quotes_count"] == 0
    assert "quoteAuthorization" not in note_of(quote["uri"])


def test_a_late_reject_revokes_an_accepted_quote(world):
    """Mastodon reads a Reject of a QuoteRequest it had accepted as the author changing their mind."""
    spark, origin = world
    author, mallory, client, copy, quote, request = _quoted_remote_post(world, "Quote me, then I'll think again",
                                                                        "Agreed")
    stamp = author.url("/users/author/quote_authorizations/2")

    def answer(actor, kind: str, **extra) -> dict:
        activity = actor.activity(kind, {"id": request["id"], "type": "QuoteRequest"}, **extra)
        assert origin.post(spark.url + "/inbox", activity, actor).status_code == 202
        settle(spark)
        return client.status(quote["id"])

    assert answer(author, "Accept", result=stamp)["quote"]["state"] == "accepted"
    assert client.status(copy["id"])["quotes_count"] == 1
    assert answer(mallory, "Reject")["quote"]["state"] == "accepted"  # not theirs to take back

    for _ in range(2):  # the Reject, then a re-sent copy of it: counted down once
        revoked = answer(author, "Reject")
        assert revoked["quote"] == {"state": "revoked", "quoted_status": None}
        assert client.status(copy["id"])["quotes_count"] == 0
    assert "quoteAuthorization" not in note_of(quote["uri"])
    assert answer(author, "Accept", result=stamp)["quote"]["state"] == "revoked"  # no way back but a new quote

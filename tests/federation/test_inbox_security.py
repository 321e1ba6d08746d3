"""Forged and replayed deliveries against a real Spark inbox (RELIABILITY.md items 1-5): a fake remote
server with its own keys signs what it sends; whatever it forges is refused (401) or dropped after
202, and nothing it claims for another server is stored."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.federation.support import (
    inbox_jobs,
    local_follower,
    query,
    remote_account,
    settle,
    spark_with_origin,
    statuses_containing,
    statuses_with_uri,
)
from tests.harness import backends

LOOKALIKE = "xn--vctim-n2e.test"  # "vіctim.test" with a Cyrillic і
NAMES = ("evil.test", "victim.test", "other.test", "victim.te", LOOKALIKE)


@pytest.fixture(scope="module", params=backends())
def world(request, tmp_path_factory):
    with spark_with_origin(tmp_path_factory.mktemp("inbox-security"), request.param, names=NAMES) as (spark, origin):
        lain = spark.new_user("lain")
        evil = origin.actor("evil.test", "a", key_index=0)
        victim = origin.actor("victim.test", "v", key_index=1)
        yield spark, origin, lain, evil, victim


def mention_note(actor, spark, text: str, **extra) -> dict:
    """A Note that mentions local lain, so Spark keeps it when it believes it."""
    lain = f"{spark.url}/users/lain"
    return actor.note(text, tag=[{"type": "Mention", "href": lain, "name": "@lain"}],
                      cc=[lain], **extra)


def sign_cavage(actor, url: str, body: bytes, covered: list[str], *, algorithm: str = "rsa-sha256",
                date: datetime | None = None) -> dict:
    """A draft-cavage signature over exactly `covered` (to build what a correct signer never would)."""
    moment = date or datetime.now(UTC)
    parts = requests.utils.urlparse(url)
    values = {"(request-target)": f"post {parts.path}", "host": parts.netloc,
              "date": format_datetime(moment, usegmt=True),
              "digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()}
    signed = "\n".join(f"{name}: {values[name]}" for name in covered).encode()
    key = serialization.load_pem_private_key(actor.private_pem.encode(), password=None)
    signature = base64.b64encode(key.sign(signed, padding.PKCS1v15(), hashes.SHA256())).decode()
    return {"Date": values["date"], "Digest": values["digest"], "Content-Type": "application/activity+json",
            "Signature": f'keyId="{actor.key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",'
                         f'signature="{signature}"'}


# -- 2. signature negatives --------------------------------------------------------------------------
def _unsigned(h):
    h.pop("Signature")


def _bad_base64(h):
    h["Signature"] = h["Signature"].rsplit('signature="', 1)[0] + 'signature="!!not*base64=="'


def _malformed(h):
    h["Signature"] = "keyId=oops,,signature"


def _bad_digest_header(h):
    h["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(b"something else").digest()).decode()


NEGATIVES = {
    "unsigned": dict(tamper=_unsigned),
    "bad-base64": dict(tamper=_bad_base64),
    "malformed-header": dict(tamper=_malformed),
    "digest-header-mismatch": dict(tamper=_bad_digest_header),
    "date-13h-old": dict(now=datetime.now(UTC) - timedelta(hours=13)),
    "date-1h-ahead": dict(now=datetime.now(UTC) + timedelta(hours=1, minutes=1)),
}


@pytest.mark.parametrize("inbox", ["/inbox", "/users/lain/inbox"])
@pytest.mark.parametrize("case", sorted(NEGATIVES))
def test_signature_negatives_are_401_and_store_nothing(world, inbox, case):
    spark, origin, _, evil, _ = world
    note = mention_note(evil, spark, f"negative {case} {inbox}")
    response = origin.post(spark.url + inbox, evil.create(note), evil, **NEGATIVES[case])
    assert response.status_code == 401, (case, response.status_code, response.text)
    assert inbox_jobs(spark) == 0
    assert statuses_with_uri(spark, note["id"]) == 0


@pytest.mark.parametrize("inbox", ["/inbox", "/users/lain/inbox"])
def test_body_altered_after_signing_is_401(world, inbox):
    spark, origin, _, evil, _ = world
    note = mention_note(evil, spark, "original body")
    activity = evil.create(note)
    altered = dict(activity, object=dict(note, content="<p>altered body</p>"))
    response = origin.post(spark.url + inbox, activity, evil, body=requests.compat.json.dumps(altered).encode())
    assert response.status_code == 401
    assert statuses_with_uri(spark, note["id"]) == 0


@pytest.mark.parametrize("case", ["digest-not-signed", "unknown-algorithm", "date-not-signed"])
def test_hand_made_signatures_that_leave_things_out_are_401(world, case):
    spark, origin, _, evil, _ = world
    note = mention_note(evil, spark, f"hand-made {case}")
    body = requests.compat.json.dumps(evil.create(note)).encode()
    covered = {"digest-not-signed": ["(request-target)", "host", "date"],
               "date-not-signed": ["(request-target)", "host", "digest"]}.get(
        case, ["(request-target)", "host", "date", "digest"])
    headers = sign_cavage(evil, spark.url + "/inbox", body, covered,
                          algorithm="rsa-md5" if case == "unknown-algorithm" else "rsa-sha256")
    response = requests.post(spark.url + "/inbox", data=body, headers=headers, timeout=30)
    assert response.status_code == 401, (case, response.text)
    # the control: the same hand-made signer covering everything is accepted
    good = sign_cavage(evil, spark.url + "/inbox", body, ["(request-target)", "host", "date", "digest"])
    assert requests.post(spark.url + "/inbox", data=body, headers=good, timeout=30).status_code == 202
    settle(spark)


def test_key_of_someone_else_and_key_on_our_domain_are_401(world):
    spark, origin, _, evil, victim = world
    note = mention_note(victim, spark, "victim says, according to evil")
    # evil signs with its own (valid) key an activity whose actor is victim
    response = origin.post(spark.url + "/inbox", victim.create(note), evil)
    assert response.status_code == 401
    # a keyId on Spark's own domain
    response = origin.post(spark.url + "/inbox", evil.create(mention_note(evil, spark, "our key")), evil,
                           key_id=f"{spark.url}/users/lain#main-key")
    assert response.status_code == 401
    assert statuses_with_uri(spark, note["id"]) == 0 and inbox_jobs(spark) == 0


def test_valid_signature_is_accepted_and_the_mention_arrives(world):
    """The control for the negatives above: the same delivery, correctly signed, is believed."""
    spark, origin, lain, evil, _ = world
    for style in ("cavage", "rfc9421"):
        note = mention_note(evil, spark, f"hello lain, signed {style}")
        assert origin.post(spark.url + "/inbox", evil.create(note), evil, style=style).status_code == 202
        settle(spark)
        assert statuses_with_uri(spark, note["id"]) == 1
    assert any("signed rfc9421" in n["status"]["content"] for n in lain.notifications(types=["mention"]))


# -- 1. forged origin ----------------------------------------------------------------------------
def test_create_of_a_note_attributed_to_another_server_is_not_believed(world):
    spark, origin, _, evil, victim = world
    forged = [
        mention_note(evil, spark, "forged-1 attributed to victim", attributedTo=victim.id),
        mention_note(victim, spark, "forged-2 id and author on victim"),  # id on victim.test, author victim
        mention_note(evil, spark, "forged-3 id on victim", id=victim.url("/users/v/statuses/999")),
    ]
    for note in forged:
        response = origin.post(spark.url + "/inbox", evil.create(note), evil)
        assert response.status_code in (202, 400, 401, 403), response.text
    settle(spark)
    assert statuses_containing(spark, "forged-") == 0
    account = remote_account(spark, victim.id)
    assert account is None or scalar_count(spark, account[0]) == 0


def scalar_count(spark, account_id) -> int:
    return query(spark, "SELECT count(*) FROM statuses WHERE account_id = :a", a=account_id)[0][0]


def test_actor_document_claiming_another_hosts_id_changes_nothing(world):
    spark, origin, lain, evil, victim = world
    found = lain.search_v2(victim.acct, resolve=True, result_type="accounts")["accounts"]
    assert found and found[0]["display_name"] == "V"
    before = remote_account(spark, victim.id)
    # evil.test serves, under its own URL, a document that says it is victim (with evil's key and name)
    impostor = dict(evil.document, id=victim.id, name="Pwned", publicKey=dict(
        evil.document["publicKey"], id=victim.id + "#main-key", owner=victim.id))
    origin.serve(evil.url("/users/imp"), impostor)
    lain.search_v2(evil.url("/users/imp"), resolve=True)
    # and signs with a keyId whose document is that impostor
    response = origin.post(spark.url + "/inbox", evil.create(mention_note(evil, spark, "imp")), evil,
                           key_id=evil.url("/users/imp#main-key"))
    assert response.status_code == 401
    # victim.test has an open redirect to evil.test, which serves the impostor: not victim's profile either
    origin.serve(victim.url("/go"), None, status=302, location=evil.url("/users/imp"))
    lain.search_v2(victim.url("/go"), resolve=True)
    after = remote_account(spark, victim.id)
    assert after == before  # same name, same key, same key id
    assert lain.account(found[0]["id"])["display_name"] == "V"


# -- 3. replay -------------------------------------------------------------------------------------
def test_replayed_requests_have_no_second_effect(world):
    spark, origin, lain, evil, _ = world
    post = lain.status_post("like me, boost me")
    local_uri = post["uri"]
    note = mention_note(evil, spark, "replayed create")
    activities = [evil.create(note), evil.activity("Like", local_uri), evil.activity("Announce", local_uri,
                                                                                     to=["https://www.w3.org/ns/activitystreams#Public"]),
                  evil.activity("Follow", f"{spark.url}/users/lain")]
    sent = []
    for activity in activities:
        body = requests.compat.json.dumps(activity).encode()
        captured = {}

        def keep(headers, captured=captured):
            captured.update(headers)

        assert origin.post(spark.url + "/inbox", body, evil, tamper=keep).status_code == 202
        sent.append((body, captured))
    settle(spark)
    for body, headers in sent:  # the very same requests again, byte for byte
        response = requests.post(spark.url + "/inbox", data=body, headers=headers, timeout=30)
        assert response.status_code in (202, 401)
    settle(spark)
    assert statuses_with_uri(spark, note["id"]) == 1
    status = lain.status(post["id"])
    assert (status["favourites_count"], status["reblogs_count"]) == (1, 1)
    evil_id = remote_account(spark, evil.id)[0]
    lain_id = lain.me()["id"]
    assert query(spark, "SELECT count(*) FROM follows WHERE account_id = :a AND target_account_id = :b",
                 a=evil_id, b=int(lain_id))[0][0] == 1
    assert len([n for n in lain.notifications(types=["follow"]) if n["account"]["acct"] == evil.acct]) == 1
    # replayed once the Date window has passed (a capture signed 13 hours ago)
    old = evil.create(mention_note(evil, spark, "captured long ago"))
    late = origin.post(spark.url + "/inbox", old, evil, now=datetime.now(UTC) - timedelta(hours=12, minutes=1))
    assert late.status_code == 401


# -- 4. host normalisation -------------------------------------------------------------------------
def test_look_alike_hosts_are_never_taken_for_the_victim(world):
    spark, origin, lain, evil, victim = world
    lain.search_v2(victim.acct, resolve=True, result_type="accounts")
    port = origin.port
    lookalikes = [f"http://victim.test.:{port}/users/v", f"http://VICTIM.test:{port}/users/v",
                  f"http://victim.te:{port}/st/users/v", f"http://victim.test:{port}@evil.test:{port}/users/v",
                  f"http://{LOOKALIKE}:{port}/users/v", f"http://vіctim.test:{port}/users/v"]
    for number, actor_id in enumerate(lookalikes):
        # whoever answers at that URL answers with a document naming itself there, with evil's key
        doc = dict(evil.document, id=actor_id, preferredUsername="v", name=f"lookalike {number}",
                   publicKey=dict(evil.document["publicKey"], id=actor_id + "#main-key", owner=actor_id))
        if "@" not in actor_id.split("//")[1].split("/")[0] and "victim.test" not in actor_id.lower():
            origin.serve(actor_id, doc)
        note = dict(mention_note(evil, spark, f"lookalike note {number}"), attributedTo=actor_id)
        note["id"] = actor_id + f"/statuses/{number}"
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": actor_id + f"/create/{number}",
                    "type": "Create", "actor": actor_id, "object": note}
        key_id = actor_id.replace("vіctim.test", LOOKALIKE) + "#main-key"  # headers are Latin-1: IDNA form
        response = origin.post(spark.url + "/inbox", activity, evil, key_id=key_id)
        assert response.status_code in (202, 400, 401), response.text
    settle(spark)
    victim_domain = f"victim.test:{port}"
    rows = query(spark, "SELECT uri, display_name FROM accounts WHERE lower(domain) = :d", d=victim_domain)
    assert rows == [(victim.id, "V")]
    stored = query(spark, "SELECT a.domain FROM statuses s JOIN accounts a ON a.id = s.account_id "
                          "WHERE s.content LIKE '%lookalike note%'")
    assert all(domain.lower().rstrip(".") != victim_domain for (domain,) in stored)
    assert {d for (d,) in stored} <= {f"victim.te:{port}", f"{LOOKALIKE}:{port}", f"vіctim.test:{port}"}


# -- 5. embedded objects are not believed ------------------------------------------------------------
def test_announce_embedding_a_foreign_note_that_404s_creates_nothing(world):
    spark, origin, _, evil, _ = world
    local_follower(spark, origin, evil)
    foreign = {"id": origin.url("other.test", "/users/someone/statuses/1"), "type": "Note",
               "attributedTo": origin.url("other.test", "/users/someone"), "content": "<p>this is a public toot</p>",
               "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    announce = evil.activity("Announce", foreign, to=["https://www.w3.org/ns/activitystreams#Public"])
    assert origin.post(spark.url + "/inbox", announce, evil).status_code in (202, 400, 401)
    settle(spark)
    assert statuses_containing(spark, "this is a public toot") == 0
    assert statuses_with_uri(spark, announce["id"]) == 0
    assert origin.fetches(foreign["id"]) >= 1  # it was looked up at its origin, which said 404


def test_inline_actor_key_is_ignored(world):
    spark, origin, _, evil, victim = world
    note = mention_note(victim, spark, "inline actor says hi")
    inline = dict(victim.document, publicKey=dict(victim.document["publicKey"], publicKeyPem=evil.public_pem))
    activity = victim.create(note)
    activity["actor"] = inline  # the actor is inline, with evil's key pretending to be victim's
    response = origin.post(spark.url + "/inbox", activity, evil, key_id=victim.key_id)
    assert response.status_code == 401
    assert statuses_with_uri(spark, note["id"]) == 0
    # an inline actor is fine when the HTTP signature is the actor's own
    own = evil.create(mention_note(evil, spark, "inline actor, own key"))
    own["actor"] = dict(evil.document)
    assert origin.post(spark.url + "/inbox", own, evil).status_code == 202
    settle(spark)
    assert statuses_with_uri(spark, own["object"]["id"]) == 1


def test_nobody_can_undo_or_delete_what_another_server_will_send(world):
    """Undo and Delete remember ids so that late arrivals stay undone; an id of another host must not be
    remembered, or anyone could silence a victim's next post, like or follow in advance."""
    spark, origin, lain, evil, victim = world
    note = mention_note(victim, spark, "victim's next post")
    follow = victim.activity("Follow", f"{spark.url}/users/lain")
    for target in (note["id"], follow["id"]):
        assert origin.post(spark.url + "/inbox", evil.activity("Undo", target), evil).status_code in (202, 400, 401)
        assert origin.post(spark.url + "/inbox", evil.activity("Delete", target), evil).status_code in (202, 400, 401)
    settle(spark)
    assert origin.post(spark.url + "/inbox", victim.create(note), victim).status_code == 202
    assert origin.post(spark.url + "/inbox", follow, victim).status_code == 202
    settle(spark)
    assert statuses_with_uri(spark, note["id"]) == 1
    victim_id = remote_account(spark, victim.id)[0]
    assert query(spark, "SELECT count(*) FROM follows WHERE account_id = :a", a=victim_id)[0][0] == 1


def test_first_contact_in_a_parallel_burst_is_never_a_5xx(world):
    """A new server's first deliveries often arrive together: each request fetches the unknown actor and
    stores it; the ones that lose the race must still be answered 202 (PostgreSQL used to give 500)."""
    spark, origin, _, _, _ = world
    newcomer = origin.actor("other.test", f"new{origin.next_number()}", key_index=2)
    notes = [mention_note(newcomer, spark, f"burst {i}") for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda n: origin.post(spark.url + "/inbox", newcomer.create(n), newcomer).status_code,
                              notes))
    assert codes == [202] * 16
    settle(spark)
    assert all(statuses_with_uri(spark, n["id"]) == 1 for n in notes)


def test_a_rotated_key_is_fetched_again_and_the_old_one_refused(world):
    """Spark keeps the signers it has verified; a new key under the same keyId fails against the kept one,
    so the actor is fetched once more and the new key believed; the old key then no longer verifies."""
    spark, origin, lain, _, _ = world
    before = origin.actor("other.test", "rotating", key_index=2)
    first = mention_note(before, spark, "signed with the first key")
    assert origin.post(spark.url + "/inbox", before.create(first), before).status_code == 202
    fetched = origin.fetches(before.id)
    after = origin.actor("other.test", "rotating", key_index=3)  # same actor and keyId, a new key pair
    assert after.key_id == before.key_id
    second = mention_note(after, spark, "signed with the second key")
    assert origin.post(spark.url + "/inbox", after.create(second), after).status_code == 202
    assert origin.fetches(before.id) == fetched + 1
    third = mention_note(before, spark, "signed with the first key again")
    assert origin.post(spark.url + "/inbox", before.create(third), before).status_code == 401
    settle(spark)
    assert statuses_with_uri(spark, first["id"]) == 1 and statuses_with_uri(spark, second["id"]) == 1
    assert statuses_with_uri(spark, third["id"]) == 0

"""A whole user journey with the unmodified Mastodon.py client against a running Spark.

Usage: python scripts/mastodon_py_journey.py [http://127.0.0.1:8000]
Registers two users, posts with an image and with a poll, follows, reads the home timeline,
likes, reposts, replies, reads notifications, edits, deletes, paginates, searches, and uses
lists and filters. Exits non-zero on the first thing that does not work.
"""

from __future__ import annotations

import io
import secrets
import sys

from mastodon import Mastodon, MastodonNotFoundError
from PIL import Image


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def register(base_url: str, app: tuple[str, str], username: str) -> Mastodon:
    client_id, client_secret = app
    anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url)
    token = anonymous.create_account(username, "journey password 1", f"{username}@example.org", agreement=True)
    return Mastodon(access_token=token, api_base_url=base_url)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok  {what}")


def journey(base_url: str) -> None:
    app = Mastodon.create_app("journey", api_base_url=base_url, scopes=["read", "write", "follow", "push"])
    suffix = secrets.token_hex(3)
    alice = register(base_url, app, f"alice_{suffix}")
    bob = register(base_url, app, f"bob_{suffix}")
    alice_me = alice.me()
    check(bob.me()["username"] == f"bob_{suffix}", "second user signed in")
    check(alice_me["username"] == f"alice_{suffix}", "registered two users")

    media = alice.media_post(_png(), mime_type="image/png", description="an orange rectangle")
    with_image = alice.status_post("a post with an image #journey", media_ids=[media["id"]])
    check(with_image["media_attachments"][0]["description"] == "an orange rectangle", "posted with an image")
    with_poll = alice.status_post("which one?", poll=alice.make_poll(["this", "that"], expires_in=3600))
    check(len(with_poll["poll"]["options"]) == 2, "posted with a poll")

    bob.account_follow(alice_me["id"])
    check(bob.account_relationships(alice_me["id"])[0]["following"], "followed")
    home = [s["id"] for s in bob.timeline_home()]
    check(with_image["id"] in home and with_poll["id"] in home, "the posts are on the follower's home timeline")

    bob.status_favourite(with_image["id"])
    bob.status_reblog(with_image["id"])
    reply = bob.status_post(f"@{alice_me['username']} nice!", in_reply_to_id=with_image["id"])
    bob.poll_vote(with_poll["poll"]["id"], [0])
    check(alice.status(with_image["id"])["favourites_count"] == 1, "liked")
    check(alice.status(with_image["id"])["reblogs_count"] == 1, "reposted")
    check(alice.status_context(with_image["id"])["descendants"][0]["id"] == reply["id"], "replied")
    types = {n["type"] for n in alice.notifications()}
    check({"follow", "favourite", "reblog", "mention"} <= types, f"notifications ({sorted(types)})")

    edited = alice.status_update(with_image["id"], status="an edited post with an image #journey",
                                 media_ids=[media["id"]])
    check("edited" in edited["content"] and len(alice.status_history(with_image["id"])) == 2, "edited")
    doomed = alice.status_post("this will be deleted")
    alice.status_delete(doomed["id"])
    try:
        alice.status(doomed["id"])
        check(False, "deleted")
    except MastodonNotFoundError:
        check(True, "deleted")

    for i in range(6):
        alice.status_post(f"page filler {i}")
    first = bob.timeline_home(limit=3)
    second = bob.fetch_next(first)
    check(len(first) == 3 and len(second) == 3 and first[-1]["id"] > second[0]["id"], "paginated")

    found = bob.search_v2(alice_me["username"], result_type="accounts")
    check(any(a["id"] == alice_me["id"] for a in found["accounts"]), "searched accounts")
    tags = bob.search_v2("journey", result_type="hashtags")
    check(any(t["name"] == "journey" for t in tags["hashtags"]), "searched hashtags")

    friends = bob.list_create("friends")
    bob.list_accounts_add(friends["id"], [alice_me["id"]])
    listed = [s["id"] for s in bob.timeline_list(friends["id"])]
    check(with_poll["id"] in listed, "used a list")

    bob.create_filter_v2("no fillers", context=["home"], filter_action="hide",
                         keywords_attributes=[{"keyword": "filler", "whole_word": True}])
    visible = bob.timeline_home(limit=40)
    check(not any("filler" in s["content"] for s in visible), "filters hide matching posts")
    print("journey complete")


if __name__ == "__main__":
    journey(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

"""Per corpus file: how to replay it and what INDEX.md says must follow, as a check on the Mastodon API.

Each plan takes a Context (conformance.py) and returns (what happened, whether it is what INDEX.md
states). Files are keyed by name, so the project's own fixtures (tests/federation/fixtures/) use the
corpus file names and shapes. The local users a file addresses are `lain` (receiver of follows, blocks,
reactions) and `observer` (who resolves things through search); `fan` follows remote actors.
"""

from __future__ import annotations

import copy
import html
import re

from tests.federation.conformance import PUBLIC, Context, describe_account, describe_status, id_of

PLANS = {}


def plan(name: str):
    def register(function):
        PLANS[name] = function
        return function
    return register


def _text(markup: str) -> str:
    """The text of some HTML, for comparing what was sent with what the API shows."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup or "")).strip()


def _hashtags(obj: dict) -> list[str]:
    tags = obj.get("tag") if isinstance(obj.get("tag"), list) else [obj.get("tag")]
    return [t["name"].lstrip("#").lower() for t in tags if isinstance(t, dict) and t.get("type") == "Hashtag"]


def _author(obj: dict) -> str | None:
    value = obj.get("attributedTo") or obj.get("actor")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and item.get("type") in ("Person", "Service"):
            return item.get("id")
    return id_of(value)


def _mentioned(c: Context, doc: dict) -> int:
    """Serve an actor for every account the (rewritten) object mentions; how many it mentions."""
    tags = doc.get("tag") if isinstance(doc.get("tag"), list) else [doc.get("tag")]
    hrefs = [t["href"] for t in tags if isinstance(t, dict) and t.get("type") == "Mention" and t.get("href")]
    for href in hrefs:
        c.synth_actor(href)
    return len(hrefs)


def _fetched(c: Context, obj: dict | None = None):
    """Serve the (rewritten) object, its author and whom it mentions, then resolve it by id through search."""
    doc = c.rewrite(obj or c.raw)
    author = _author(doc)
    if author:
        c.synth_actor(author)
    _mentioned(c, doc)
    c.serve(doc)
    return doc, c.status(doc["id"])


def _delivered_create(c: Context, follower: str = "fan"):
    """Deliver the file's Create after a local user followed its actor; the resulting status (by object id)."""
    activity = c.rewrite(c.raw)
    actor = c.synth_actor(id_of(activity["actor"])) if not isinstance(activity["actor"], dict) else \
        c.actor_doc(activity["actor"])
    c.follow(follower, actor)
    if isinstance(activity.get("object"), dict):
        _mentioned(c, activity["object"])
    code = c.deliver(activity, actor)
    return activity, code, c.status(id_of(activity["object"]))


def generic(c: Context):
    """No plan for this file: deliver it (activity) or resolve it (object / actor); only never-5xx counts."""
    doc = c.raw
    kinds = set(doc.get("type") if isinstance(doc.get("type"), list) else [doc.get("type")])
    if "actor" in doc and doc.get("type") not in ("Note", "Question", "Article", "Page", "Video"):
        activity = c.rewrite(doc)
        code = c.deliver(activity, c.actor_doc(activity["actor"]) if isinstance(activity["actor"], dict) else None)
        return f"delivered: {code}", code < 500
    if kinds & {"Person", "Service", "Group", "Organization", "Application"}:
        actor = c.actor_doc(c.rewrite(doc))
        return describe_account(c.account(actor.id)), True
    if "id" in doc:
        return describe_status(_fetched(c)[1]), True
    return "not an ActivityPub document: skipped", True


# -- actors (resolved through search: the fetch path) ---------------------------------------------------
def _actor(c: Context):
    actor = c.actor_doc(c.rewrite(c.raw))
    return actor, c.account(actor.id)


@plan("mastodon-actor-person-fields-featured.json")
def mastodon_actor(c: Context):
    _, a = _actor(c)
    return describe_account(a), bool(a) and len(a["fields"]) == 2 and a["display_name"] == c.raw["name"]


@plan("misskey-actor-iscat-emoji-name.json")
def misskey_actor(c: Context):
    _, a = _actor(c)
    return describe_account(a), bool(a) and len(a["fields"]) == 1


@plan("takahe-actor-attachment-not-array.json")
def takahe_actor(c: Context):
    _, a = _actor(c)
    return describe_account(a), bool(a) and len(a["fields"]) == 1 and "@" not in a["username"]


@plan("lemmy-group-community.json")
def lemmy_group(c: Context):
    _, a = _actor(c)
    return describe_account(a), bool(a) and (a.get("group") is True or a.get("bot") is True)


# -- objects (served on fetch) ---------------------------------------------------------------------------
@plan("mastodon-note-unlisted-reply-mention.json")
def unlisted_reply(c: Context):
    _, s = _fetched(c)  # the parent's server is not there (404): the reply must still be stored
    return describe_status(s), bool(s) and s["visibility"] == "unlisted" and s["language"] == "en" \
        and len(s["mentions"]) == 1


@plan("mastodon-note-image-blurhash-mentions-group.json")
def image_note(c: Context):
    _, s = _fetched(c)
    media = s["media_attachments"] if s else []
    return describe_status(s) + (f" fav={s['favourites_count']}" if s else ""), bool(s) and len(media) == 1 \
        and bool(media[0]["description"]) and bool(media[0]["blurhash"]) and s["favourites_count"] == 0 \
        and len(s["mentions"]) == 1


@plan("mastodon-docs-question-anyof.json")
def question_anyof(c: Context):
    bare, s = _fetched(c)  # bare, it has no author: nobody's post
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                "id": bare["id"] + "/activity", "actor": bare["id"].split("/statuses/")[0],
                "to": [PUBLIC], "object": bare}
    alice = c.synth_actor(activity["actor"])
    c.follow("fan", alice)
    code = c.deliver(activity, alice)
    wrapped = c.status(bare["id"])
    poll = wrapped.get("poll") if wrapped else None
    ok = s is None and code == 202 and bool(poll) and poll["multiple"] and len(poll["options"]) == 3 \
        and poll["voters_count"] == c.raw["votersCount"]
    return f"bare: {describe_status(s)}; in a Create: {describe_status(wrapped)}", ok


@plan("misskey-question-null-endtime.json")
def question_no_end(c: Context):
    _, s = _fetched(c)
    poll = s.get("poll") if s else None
    ok = bool(poll) and len(poll["options"]) == 2 and poll["expires_at"] is None and not poll["expired"] \
        and len(s["mentions"]) == 1
    return describe_status(s), ok


@plan("misskey-note-quote-misskey-quote-quoteurl.json")
def misskey_quote(c: Context):
    quoted_id = c.url(c.raw["quoteUrl"])
    c.synth_actor(c.url(c.raw["attributedTo"]))
    c.serve({"id": quoted_id, "type": "Note", "attributedTo": c.url(c.raw["attributedTo"]),
             "content": "<p>the quoted note</p>", "to": [PUBLIC]})
    _, s = _fetched(c)
    fetches = c.origin.fetches(quoted_id)
    return describe_status(s) + f" quoted-fetches={fetches}", bool(s) and bool(s.get("quote")) and fetches <= 2


@plan("adversarial-misskey-note-quotes-itself.json")
def self_quote(c: Context):
    doc, s = _fetched(c)
    fetches = c.origin.fetches(doc["id"])
    return describe_status(s) + f" fetches-of-itself={fetches}", bool(s) and fetches <= 1


@plan("pleroma-note-reply-source-string-sensitive-null.json")
def pleroma_note(c: Context):
    doc, s = _fetched(c)
    contexts = [x for x in (doc.get("@context") if isinstance(doc.get("@context"), list) else []) if isinstance(x, str)]
    context_fetches = sum(c.origin.fetches(x) for x in contexts if ".fake:" in x)
    ok = bool(s) and s["visibility"] == "unlisted" and not s["sensitive"] and not s["spoiler_text"] \
        and context_fetches == 0 and len(s["mentions"]) == 1
    return describe_status(s) + f" context-fetches={context_fetches}", ok


@plan("gotosocial-note-interaction-policy-string-to.json")
def gts_note(c: Context):
    _, s = _fetched(c)
    media = s["media_attachments"] if s else []
    ok = bool(s) and s["visibility"] == "public" and len(media) == 1 and bool(media[0]["description"]) \
        and not s["spoiler_text"] and [t["name"] for t in s["tags"]] == _hashtags(c.raw)
    return describe_status(s), ok


@plan("peertube-video-markdown-multi-attributedto.json")
def peertube_video(c: Context):
    doc, s = _fetched(c)
    person = _author(doc)
    ok = bool(s) and s["account"]["url"] is not None and doc["name"] in html.unescape(s["content"]) \
        and "<script" not in s["content"] and s["uri"] == doc["id"]
    author = c.account(person) if s else None
    ok = ok and author is not None and author["id"] == s["account"]["id"]
    return describe_status(s) + (f" by {s['account']['acct']}" if s else ""), ok


@plan("lemmy-page-in-community.json")
def lemmy_page(c: Context):
    _, s = _fetched(c)
    return describe_status(s), bool(s) and c.raw["name"] in _text(s["content"]) and not s["media_attachments"]


@plan("wordpress-article-images.json")
def wordpress_article(c: Context):
    _, s = _fetched(c)
    return describe_status(s), bool(s) and c.raw["name"] in _text(s["content"]) \
        and c.url(c.raw["url"]) in s["content"] and len(s["tags"]) == len(_hashtags(c.raw))


@plan("bridgyfed-note-quote-inreplyto-object-url-array.json")
def bridgy_note(c: Context):
    _, s = _fetched(c)
    # the at:// URL cannot be fetched at all (not HTTP); `content` wins over `contentMap`
    return describe_status(s), bool(s) and s["visibility"] == "public" and _text(c.raw["content"]) in _text(s["content"])


@plan("lemmy-tombstone-bare-no-context.json")
def bare_tombstone(c: Context):
    doc = c.rewrite(c.raw)
    c.serve(doc)
    s = c.status(doc["id"])
    return f"{describe_status(s)}; answers {sorted(set(c.result.statuses)) or 'ok'}", s is None


@plan("adversarial-spoofed-note-patch-cx.json")
def spoofed(c: Context):
    doc = c.rewrite(c.raw)
    author = c.synth_actor(_author(doc))
    base = doc["id"].rsplit("/", 1)[0]
    c.serve(doc, at=base + "/elsewhere")  # (a) at another URL than its id
    c.serve(dict(doc, id=base + "/json"), content_type="application/json")  # (b) not an AS2 Content-Type
    other = c.url("https://other-host.example/redirect")
    c.serve(dict(doc, id=other), at=base + "/landing")
    c.serve({}, at=other, status=302, location=base + "/landing")  # (c) a cross-domain redirect
    found = [c.status(url) for url in (base + "/elsewhere", base + "/json", other)]
    impostor = c.synth_actor(c.url("https://other-host.example/users/mallory"))  # (d) delivered by someone else
    code = c.deliver({"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                      "id": impostor.id + "/create/1", "actor": impostor.id, "object": doc}, impostor)
    del author  # served so that the note's author can be looked up: only the note itself must not be believed
    return f"fetch variants stored: {sum(1 for s in found if s)}; delivered by another actor: {code}", \
        not any(found) and code in (202, 400, 401, 403)


# -- activities (delivered to the inbox) ---------------------------------------------------------------
@plan("mastodon-create-note-emoji-hashtags.json")
def create_emoji_hashtags(c: Context):
    activity, code, s = _delivered_create(c)
    obj = activity["object"]
    emojis = [t for t in c.raw["object"]["tag"] if t.get("type") == "Emoji"]
    ok = bool(s) and s["visibility"] == "unlisted" and len(s["tags"]) == len(_hashtags(c.raw["object"])) \
        and s["url"] in (obj["id"], None) and len(s["emojis"]) == len(emojis)
    return describe_status(s) + (f" url-on-id-host={s['url'] == obj['id']}" if s else ""), ok


@plan("mastodon-create-question-oneof.json")
def create_question(c: Context):
    _, code, s = _delivered_create(c)
    poll = s.get("poll") if s else None
    counts = [o["replies"]["totalItems"] for o in c.raw["object"]["oneOf"]]
    ok = bool(poll) and [o["votes_count"] for o in poll["options"]] == counts and poll["expired"] \
        and not poll["multiple"]
    return describe_status(s), ok


@plan("pleroma-2018-create-note-two-documents-spaces-in-url.json")
def two_documents(c: Context):
    _, code, s = _delivered_create(c)
    return describe_status(s), bool(s) and len(s["media_attachments"]) == 2 and s["visibility"] == "public"


@plan("pixelfed-create-note-image-place.json")
def pixelfed(c: Context):
    _, code, s = _delivered_create(c)
    return describe_status(s), bool(s) and len(s["media_attachments"]) == 1 \
        and len(s["tags"]) == len(_hashtags(c.raw["object"]))


@plan("kroeg-create-inline-actor-tag-not-array.json")
def kroeg(c: Context):
    _, code, s = _delivered_create(c)
    return describe_status(s), bool(s) and s["visibility"] == "public" and len(s["emojis"]) == 1


@plan("mastodon-docs-poll-vote-create.json")
def poll_vote(c: Context):
    choice = c.raw["object"]["name"]
    post = c.local_post("alice", "Which one?", poll=c.user("alice").make_poll(["first", choice, "last"],
                                                                              expires_in=86400))
    c.local(c.raw["object"]["inReplyTo"], post["uri"])
    c.local(c.raw["object"]["inReplyTo"].split("/statuses/")[0], c.user_uri("alice"))
    activity = c.rewrite(c.raw)
    codes = [c.deliver(activity), c.deliver(activity)]  # re-delivered: counted once
    poll = c.user("alice").status(post["id"])["poll"]
    votes = [o["votes_count"] for o in poll["options"]]
    replies = c.user("alice").status(post["id"])["replies_count"]
    return f"answers {codes} votes={votes} replies={replies}", votes == [0, 1, 0] and replies == 0


def _liked_post(c: Context, original: str) -> dict:
    post = c.local_post("lain", "react to me")
    c.local(original, post["uri"])
    return post


@plan("misskey-like-custom-emoji-reaction.json")
def misskey_like(c: Context):
    post = _liked_post(c, c.raw["object"])
    activity = c.rewrite(c.raw)
    codes = [c.deliver(activity), c.deliver(activity)]
    count = c.user("lain").status(post["id"])["favourites_count"]
    return f"answers {codes} favourites={count}", count == 1


@plan("pleroma-emojireact-unicode.json")
def emoji_react(c: Context):
    post = _liked_post(c, c.raw["object"])
    activity = c.rewrite(c.raw)
    codes = [c.deliver(activity), c.deliver(activity)]
    count = c.user("lain").status(post["id"])["favourites_count"]
    return f"answers {codes} favourites={count}", all(200 <= x < 300 for x in codes) and count <= 1


@plan("mastodon-follow-to-lemmy-group.json")
def follow(c: Context):
    c.local(c.raw["object"], c.user_uri("testcom"))
    activity = c.rewrite(c.raw)
    codes = [c.deliver(activity), c.deliver(activity)]
    followers = c.user("testcom").account_followers(c.user("testcom").me()["id"])
    accepts = [h for h in c.origin.received() if h.json and h.json.get("type") == "Accept"
               and id_of(h.json.get("object")) == activity["id"]]
    return f"answers {codes} followers={len(followers)} accepts-sent={len(accepts)}", \
        len(followers) == 1 and len(accepts) >= 1


@plan("mastodon-undo-follow-embedded.json")
def undo_follow(c: Context):
    c.local(c.raw["object"]["object"], c.user_uri("testcom2"))
    activity = c.rewrite(c.raw)
    # the Follow it undoes, first (under another id: file 26 has the same one, and an id is processed once)
    c.deliver(dict(copy.deepcopy(activity["object"]), id=activity["object"]["id"] + "-setup"))
    before = len(c.user("testcom2").account_followers(c.user("testcom2").me()["id"]))
    code = c.deliver(activity)
    after = len(c.user("testcom2").account_followers(c.user("testcom2").me()["id"]))
    return f"followers {before} → {after} (answer {code})", before == 1 and after == 0


@plan("mastodon-accept-follow-embedded.json")
def accept(c: Context):
    admin = c.synth_actor(c.url(c.raw["actor"]), manuallyApprovesFollowers=True)
    client = c.user("lain")
    account = c.account(admin.id, viewer="lain")
    client.account_follow(account["id"])
    requested = client.account_relationships(account["id"])[0]["requested"]
    c.local(c.raw["object"]["actor"], c.user_uri("lain"))
    code = c.deliver(c.rewrite(c.raw), admin)
    following = client.account_relationships(account["id"])[0]["following"]
    return f"requested={requested} → following={following} (answer {code})", requested and following


@plan("mastodon-undo-like-compact-object.json")
def undo_like(c: Context):
    post = c.local_post("lain", "like me, then do not")
    like = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Like", "id": c.raw["object"],
            "actor": c.raw["actor"], "object": post["uri"]}
    c.deliver(c.rewrite(like))
    before = c.user("lain").status(post["id"])["favourites_count"]
    code = c.deliver(c.rewrite(c.raw))
    after = c.user("lain").status(post["id"])["favourites_count"]
    return f"favourites {before} → {after} (answer {code})", before == 1 and after == 0


@plan("mastodon-announce-by-uri.json")
def announce_by_uri(c: Context):
    activity = c.rewrite(c.raw)
    admin = c.synth_actor(activity["actor"])
    c.follow("fan", admin)
    web_url = activity["object"]
    canonical = admin.id + "/statuses/" + web_url.rstrip("/").rsplit("/", 1)[-1]
    note = {"id": canonical, "type": "Note", "attributedTo": admin.id, "content": "<p>boosted by its page URL</p>",
            "url": web_url, "to": [PUBLIC], "cc": [admin.id + "/followers"]}
    c.serve(note)
    c.serve(note, at=web_url)
    codes = [c.deliver(activity, admin), c.deliver(activity, admin)]
    account = c.account(admin.id, viewer="fan")
    posts = c.user("fan").account_statuses(account["id"])
    reblogs = [s for s in posts if s.get("reblog") and s["reblog"]["uri"] == canonical]
    return f"answers {codes} reblogs={len(reblogs)}", len(reblogs) == 1


@plan("adversarial-announce-embedded-foreign-note.json")
def forged_announce(c: Context):
    activity = c.rewrite(c.raw)
    admin = c.synth_actor(activity["actor"])
    c.follow("fan", admin)
    code = c.deliver(activity, admin)  # mastodon.social (re-hosted) answers 404 for the embedded note
    home = c.user("fan").timeline_home()
    shown = [s for s in home if "this is a public toot" in (s.get("reblog") or s)["content"]]
    return f"answer {code}; statuses/reblogs shown: {len(shown)}", not shown


@plan("wordpress-announce-of-update-article.json")
def announce_of_update(c: Context):
    activity = c.rewrite(c.raw)
    blog = c.synth_actor(activity["actor"])
    c.follow("fan", blog)
    code = c.deliver(activity, blog)
    account = c.account(blog.id, viewer="fan")
    reblogs = [s for s in c.user("fan").account_statuses(account["id"]) if s.get("reblog")]
    return f"answer {code}; reblogs by the blog={len(reblogs)}", 200 <= code < 300 and not reblogs


@plan("mastodon-delete-tombstone-ldsig.json")
def delete_tombstone(c: Context):
    activity = c.rewrite(c.raw)
    felix = c.synth_actor(activity["actor"])
    c.follow("fan", felix)
    note_id = activity["object"]["id"]
    note = {"id": note_id, "type": "Note", "attributedTo": felix.id, "content": "<p>soon deleted</p>",
            "to": [PUBLIC]}
    create = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "id": note_id + "/activity",
              "actor": felix.id, "object": note, "to": [PUBLIC]}
    c.deliver(create, felix)
    before = c.status(note_id) is not None
    code = c.deliver(activity, felix)
    c.deliver(dict(create, id=note_id + "/activity-again"), felix)  # a late Create after the Delete
    home = [s["uri"] for s in c.user("fan").timeline_home()]
    return f"stored={before} → answer {code}, in home after replayed Create: {note_id in home}", \
        before and note_id not in home


@plan("mastodon-delete-actor-context-without-as.json")
def delete_actor(c: Context):
    activity = c.rewrite(c.raw)
    admin = c.synth_actor(activity["actor"])
    c.follow("fan", admin)
    note = {"id": admin.id + "/statuses/1", "type": "Note", "attributedTo": admin.id, "content": "<p>bye</p>",
            "to": [PUBLIC]}
    c.deliver({"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "id": note["id"] + "/a",
               "actor": admin.id, "object": note}, admin)
    code = c.deliver(activity, admin)
    home = [s["uri"] for s in c.user("fan").timeline_home()]
    following = [a["acct"] for a in c.user("fan").account_following(c.user("fan").me()["id"])]
    return f"answer {code}; post in home={note['id'] in home}; still followed={admin.acct in following}", \
        note["id"] not in home and admin.acct not in following


@plan("mastodon-update-person-fields.json")
def update_person(c: Context):
    activity = c.rewrite(c.raw)
    person = copy.deepcopy(activity["object"])
    old = c.actor_doc(dict(person, name="before", attachment=[{"type": "PropertyValue", "name": "x", "value": "y"}] * 3))
    before = c.account(old.id)
    activity["object"]["publicKey"] = old.document["publicKey"]  # the "rotated" key is one we hold
    code = c.deliver(activity, old)
    after = c.user("observer").account(before["id"]) if before else None
    fields = [f for f in c.raw["object"]["attachment"] if f.get("type") == "PropertyValue"]
    ok = bool(after) and after["display_name"] == c.raw["object"]["name"] and len(after["fields"]) == len(fields) \
        and [_text(f["value"]) for f in after["fields"]] == [f["value"] for f in fields]
    return f"{describe_account(before)} → {describe_account(after)} (answer {code})", ok


@plan("mastodon-block.json")
def block(c: Context):
    c.local(c.raw["object"], c.user_uri("lain"))
    activity = c.rewrite(c.raw)
    admin = c.synth_actor(activity["actor"])
    account = c.follow("lain", admin)
    c.deliver({"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow", "id": admin.id + "#follows/x",
               "actor": admin.id, "object": c.user_uri("lain")}, admin)
    rel = c.user("lain").account_relationships(account["id"])[0]
    before = (rel["following"], rel["followed_by"])
    code = c.deliver(activity, admin)
    rel = c.user("lain").account_relationships(account["id"])[0]
    after = (rel["following"], rel["followed_by"])
    notes = [n for n in c.user("lain").notifications() if n["type"] not in ("follow", "follow_request")]
    return f"(following, followed_by) {before} → {after} (answer {code})", before == (True, True) \
        and after == (False, False) and not notes


@plan("mastodon-flag-multiple-objects.json")
def flag(c: Context):
    target, posts = c.user("reported"), c.raw["object"][1:]
    c.local(c.raw["object"][0], c.user_uri("reported"))
    for original in posts:
        c.local(original, c.local_post("reported", "a reported post")["uri"])
    code = c.deliver(c.rewrite(c.raw))
    del target
    return f"answer {code} (reports are not visible through the client API)", 200 <= code < 300


@plan("mastodon-docs-move.json")
def move(c: Context):
    activity = c.rewrite(c.raw)
    alice = c.synth_actor(activity["actor"])
    c.follow("fan", alice)
    target = c.synth_actor(activity["target"], alsoKnownAs=[alice.id])
    code = c.deliver(activity, alice)
    new = c.account(target.id, viewer="fan")
    rel = c.user("fan").account_relationships(new["id"])[0] if new else {}
    moved = rel.get("following") or rel.get("requested")
    return f"answer {code}; follows the target: {bool(moved)}", bool(moved)


@plan("threads-webfinger-mosseri.json")
def threads_webfinger(c: Context):
    jrd = c.rewrite(c.raw)
    acct_domain = f"{c.name(c.raw['subject'].rsplit('@', 1)[1])}:{c.origin.port}"
    actor_id = next(link["href"] for link in jrd["links"] if link.get("rel") == "self")
    user = c.raw["subject"].split(":", 1)[1].split("@")[0]
    jrd["subject"] = f"acct:{user}@{acct_domain}"
    c.origin.serve(f"http://{acct_domain}/.well-known/webfinger?resource=acct:{user}@{acct_domain}", jrd,
                   content_type="application/jrd+json")
    # only threads.net answers WebFinger; the actor lives on www.threads.net
    c.actor_doc({"@context": "https://www.w3.org/ns/activitystreams", "id": actor_id, "type": "Person",
                 "preferredUsername": user, "inbox": actor_id + "inbox"}, webfinger=False)
    a = c.account(f"{user}@{acct_domain}")
    return describe_account(a), bool(a) and a["username"] == user

"""Local actions that other servers must hear of. Services call these inside the transaction of the
action, so the delivery exists exactly when the action does (transactional outbox); nothing is queued
when no remote server is concerned. Activity ids are stable, so an Undo can embed the very activity
it undoes (Threads refuses Undos that only name it)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, select, true

from spark.adapters import jobs_sql
from spark.adapters.db import schema as t
from spark.domain.visibility import Visibility
from spark.federation import documents, urls
from spark.federation.convert import PUBLIC, iso
from spark.runtime import Runtime
from spark.services.views import load_statuses

_REMOTE_FOLLOWER = select(exists().where(  # built once: asked for every post
    t.follows.c.target_account_id == bindparam("account"), t.follows.c.remote_follower == true()))


async def has_remote_followers(conn, account_id: int) -> bool:
    return bool(await conn.scalar(_REMOTE_FOLLOWER, {"account": account_id}))


async def _remote_ids(conn, account_ids: list[int]) -> list[int]:
    if not account_ids:
        return []
    return list((await conn.execute(select(t.accounts.c.id).where(
        t.accounts.c.id.in_(account_ids), t.accounts.c.domain != ""))).scalars())


async def _queue(conn, actor_id: int, activity: dict[str, Any], *, followers: bool = False,
                 account_ids: list[int] = ()) -> None:
    remote = await _remote_ids(conn, list(account_ids))
    followers = followers and await has_remote_followers(conn, actor_id)
    if followers or remote:
        await jobs_sql.enqueue(conn, "federate", {"actor_id": actor_id, "activity": activity,
                                                  "followers": followers, "account_ids": remote})


async def _note(rt: Runtime, conn, status_id: int):
    """(view, Note document, ids of remote accounts the post concerns) of a local post."""
    view = (await load_statuses(conn, [status_id], None))[0]
    parent_uri = quote_uri = None
    concerned = [a.id for a in view.mentions]
    for column in ("in_reply_to_id", "quote_of_id"):
        target_id = getattr(view.row, column)
        if target_id is None:
            continue
        target = (await conn.execute(select(t.statuses.c.uri, t.statuses.c.account_id, t.accounts.c.username)
                                     .join(t.accounts, t.accounts.c.id == t.statuses.c.account_id)
                                     .where(t.statuses.c.id == target_id))).first()
        if target is None:
            continue
        uri = target.uri or urls.status(rt, target.username, target_id)
        parent_uri, quote_uri = (uri, quote_uri) if column == "in_reply_to_id" else (parent_uri, uri)
        concerned.append(target.account_id)
    note = documents.note_document(rt, view, parent_uri=parent_uri, quote_uri=quote_uri, context=False)
    remote_concerned = await _remote_ids(conn, concerned)
    if remote_concerned and view.row.visibility != Visibility.DIRECT:
        # The author of a remote post replied to or quoted must get it even if not mentioned.
        actors = (await conn.execute(select(t.accounts.c.uri).where(t.accounts.c.id.in_(remote_concerned)))).scalars()
        note["cc"] = list(dict.fromkeys([*note["cc"], *actors]))
    return view, note, remote_concerned


async def post_published(rt: Runtime, conn, status_id: int) -> None:
    view, note, concerned = await _note(rt, conn, status_id)
    await _queue(conn, view.account.id, documents.create(note),
                 followers=view.row.visibility != Visibility.DIRECT, account_ids=concerned)
    if view.row.quote_state == "pending":
        await _quote_requested(conn, view, note)


async def _quote_requested(conn, view, note: dict[str, Any]) -> None:
    """FEP-044f: ask the author of the remote post quoted whether they consent. The answer (an Accept
    with a stamp, or a Reject) names this id, which leads back to the quoting post."""
    quoted_author = (await conn.execute(select(t.accounts.c.id, t.accounts.c.uri)
                                        .join(t.statuses, t.statuses.c.account_id == t.accounts.c.id)
                                        .where(t.statuses.c.id == view.row.quote_of_id))).first()
    if quoted_author is None:
        return
    request = documents.activity("QuoteRequest", urls.quote_request(note["id"]), note["attributedTo"],
                                 note.get("quote"), to=[quoted_author.uri], instrument=note)
    await _queue(conn, view.account.id, request, account_ids=[quoted_author.id])


async def post_edited(rt: Runtime, conn, status_id: int, *, tell_concerned: bool = True) -> None:
    view, note, concerned = await _note(rt, conn, status_id)
    activity = documents.activity("Update", f"{note['id']}#updates/{int(datetime.now(UTC).timestamp())}",
                                  note["attributedTo"], note, to=note["to"], cc=note["cc"])
    await _queue(conn, view.account.id, activity, followers=view.row.visibility != Visibility.DIRECT,
                 account_ids=concerned if tell_concerned else [a.id for a in view.mentions])


async def quote_authorized(rt: Runtime, conn, status_id: int) -> None:
    """An Update(Note) now carrying `quoteAuthorization`, as Mastodon sends, so servers holding the post
    see the quote as approved. Not to the quoted author's server for its own sake: it issued the stamp."""
    await post_edited(rt, conn, status_id, tell_concerned=False)


async def post_deleted(rt: Runtime, conn, row, author) -> None:
    """Before the post's rows go: who was addressed is read from them."""
    if not row.local:
        return
    if row.reblog_of_id:
        original = (await conn.execute(select(t.statuses).where(t.statuses.c.id == row.reblog_of_id))).first()
        if original is not None:
            await reblog_undone(rt, conn, row, author, original)
        return
    mentioned = list((await conn.execute(select(t.mentions.c.account_id).where(
        t.mentions.c.status_id == row.id))).scalars())
    uri = urls.status(rt, author.username, row.id)
    actor = urls.actor(rt, author.username)
    activity = documents.activity("Delete", uri + "#delete", actor, {"id": uri, "type": "Tombstone"},
                                  to=[PUBLIC])
    await _queue(conn, author.id, activity, followers=row.visibility != Visibility.DIRECT, account_ids=mentioned)


async def _announce(rt: Runtime, conn, reblog, booster, original) -> dict[str, Any]:
    original_author = (await conn.execute(select(t.accounts).where(t.accounts.c.id == original.account_id))).first()
    to, cc = documents.announce_addressing(rt, booster, original_author, reblog.visibility)
    object_uri = original.uri or urls.status(rt, original_author.username, original.id)
    return documents.activity("Announce", urls.status(rt, booster.username, reblog.id) + "/activity",
                              urls.actor(rt, booster.username), object_uri, to=to, cc=cc,
                              published=iso(reblog.created_at))


async def reblogged(rt: Runtime, conn, reblog, booster, original) -> None:
    activity = await _announce(rt, conn, reblog, booster, original)
    await _queue(conn, booster.id, activity, followers=True, account_ids=[original.account_id])


async def reblog_undone(rt: Runtime, conn, reblog, booster, original) -> None:
    announce = await _announce(rt, conn, reblog, booster, original)
    undo = documents.activity("Undo", announce["id"] + "#undo", announce["actor"], announce,
                              to=announce["to"], cc=announce["cc"])
    await _queue(conn, booster.id, undo, followers=True, account_ids=[original.account_id])


def _like(rt: Runtime, account, status_row, author) -> dict[str, Any]:
    actor = urls.actor(rt, account.username)
    return documents.activity("Like", f"{actor}#likes/{status_row.id}", actor,
                              status_row.uri or urls.status(rt, author.username, status_row.id))


async def liked(rt: Runtime, conn, account, status_row, author) -> None:
    await _queue(conn, account.id, _like(rt, account, status_row, author), account_ids=[author.id])


async def like_undone(rt: Runtime, conn, account, status_row, author) -> None:
    like = _like(rt, account, status_row, author)
    await _queue(conn, account.id, documents.activity("Undo", like["id"] + "#undo", like["actor"], like),
                 account_ids=[author.id])


def follow_activity(rt: Runtime, follower, target, follow_uri: str) -> dict[str, Any]:
    return documents.activity("Follow", follow_uri, urls.actor(rt, follower.username), target.uri)


def follow_uri(rt: Runtime, follower, request_id: int) -> str:
    return f"{urls.actor(rt, follower.username)}#follows/{request_id}"


async def follow_requested(rt: Runtime, conn, follower, target, uri: str) -> None:
    await _queue(conn, follower.id, follow_activity(rt, follower, target, uri), account_ids=[target.id])


async def follow_undone(rt: Runtime, conn, follower, target, uri: str | None) -> None:
    follow = follow_activity(rt, follower, target, uri or f"{urls.actor(rt, follower.username)}#follows/{target.id}")
    await _queue(conn, follower.id, documents.activity("Undo", follow["id"] + "#undo", follow["actor"], follow),
                 account_ids=[target.id])


async def follow_answered(rt: Runtime, conn, target, follower, uri: str | None, *, accepted: bool) -> None:
    """Accept or Reject a remote account's Follow, embedding it (Mastodon matches on it)."""
    if not follower.domain:
        return
    actor = urls.actor(rt, target.username)
    follow = documents.activity("Follow", uri or f"{follower.uri}#follows/{target.id}", follower.uri, actor)
    follow.pop("@context")
    kind = "Accept" if accepted else "Reject"
    await _queue(conn, target.id, documents.activity(kind, f"{actor}#{kind.lower()}s/{follower.id}", actor, follow),
                 account_ids=[follower.id])


def _block(rt: Runtime, account, target, block_id: int | str) -> dict[str, Any]:
    actor = urls.actor(rt, account.username)
    return documents.activity("Block", f"{actor}#blocks/{block_id}", actor, target.uri)


async def blocked(rt: Runtime, conn, account, target) -> None:
    await _queue(conn, account.id, _block(rt, account, target, target.id), account_ids=[target.id])


async def block_undone(rt: Runtime, conn, account, target) -> None:
    block = _block(rt, account, target, target.id)
    await _queue(conn, account.id, documents.activity("Undo", block["id"] + "#undo", block["actor"], block),
                 account_ids=[target.id])


async def profile_updated(rt: Runtime, conn, account_id: int) -> None:
    account = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
    actor_doc = await documents.actor_document(rt, account, conn)
    actor_doc.pop("@context")
    update = documents.activity("Update", f"{actor_doc['id']}#updates/{int(datetime.now(UTC).timestamp())}",
                                actor_doc["id"], actor_doc, to=[PUBLIC])
    await _queue(conn, account.id, update, followers=True)


async def voted(rt: Runtime, conn, account, poll, status_row, author, choices: list[int]) -> None:
    """Votes on a remote poll: Create(Note{name, inReplyTo}), one per choice, to the poll's author."""
    if not author.domain:
        return
    actor = urls.actor(rt, account.username)
    for choice in choices:
        vote_id = f"{actor}#votes/{poll.id}/{choice}"
        note = {"id": vote_id, "type": "Note", "name": poll.options[choice], "attributedTo": actor,
                "inReplyTo": status_row.uri, "to": [author.uri]}
        await _queue(conn, account.id, documents.activity("Create", vote_id + "/activity", actor, note,
                                                          to=[author.uri]), account_ids=[author.id])


def quote_stamp_uri(rt: Runtime, author, status_id: int, quote_id: int) -> str:
    return urls.quote_stamp(urls.status(rt, author.username, status_id), quote_id)


async def quote_answered(rt: Runtime, conn, author, quoter, request: dict[str, Any], *, stamp: str | None) -> None:
    """FEP-044f: Accept a QuoteRequest with its QuoteAuthorization stamp as `result`, or Reject it."""
    actor = urls.actor(rt, author.username)
    request = {k: v for k, v in request.items() if k != "@context"}
    kind = "Accept" if stamp else "Reject"
    digest = hashlib.sha256(str(request.get("id")).encode()).hexdigest()[:16]
    answer = documents.activity(kind, f"{actor}#{kind.lower()}s/quotes/{digest}",
                                actor, request, to=[quoter.uri])
    if stamp:
        answer["result"] = stamp
    await _queue(conn, author.id, answer, account_ids=[quoter.id])


async def quote_revoked(rt: Runtime, conn, author, quoter, stamp: str) -> None:
    """FEP-044f: the quoted author withdrew their approval of a remote quote: Delete the stamp, to the
    quoter's server and to the servers of the author's followers, who may have checked it."""
    actor = urls.actor(rt, author.username)
    delete = documents.activity("Delete", f"{stamp}#delete", actor, stamp, to=[PUBLIC])
    await _queue(conn, author.id, delete, followers=True, account_ids=[quoter.id])


async def flagged(rt: Runtime, conn, report_id: int, target, statuses: list, comment: str) -> None:
    """Forward a report to the reported account's server: a Flag from the instance actor (so the
    reporter stays anonymous there), naming the account and the reported posts."""
    actor = urls.instance_actor(rt)
    flag = documents.activity("Flag", f"{actor}#reports/{report_id}", actor,
                              [target.uri, *[s.uri for s in statuses if s.uri]], content=comment)
    await _queue(conn, urls.INSTANCE_ACTOR_ID, flag, account_ids=[target.id])

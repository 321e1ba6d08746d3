"""Follows and follow requests between accounts, with counters, notifications and feeds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, exists, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import greatest, insert_ignore, per_dialect
from spark.domain.errors import Forbidden, Invalid, NotFound
from spark.domain.ids import new_id
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import events, feeds, notifications
from spark.services.statuses import blocked_between

# Statements every follow (from here or another server) runs, built once: building one cost as much as
# running it (B6).
_count_following = per_dialect(lambda conn: update(t.accounts).where(t.accounts.c.id == bindparam("account")).values(
    following_count=greatest(conn)(t.accounts.c.following_count + bindparam("delta"), 0)))
_count_followers = per_dialect(lambda conn: update(t.accounts).where(t.accounts.c.id == bindparam("account")).values(
    followers_count=greatest(conn)(t.accounts.c.followers_count + bindparam("delta"), 0)))
_new_follow = per_dialect(lambda conn: insert_ignore(
    conn, t.follows, id=bindparam("new_id"), account_id=bindparam("follower"), target_account_id=bindparam("target"),
    show_reblogs=bindparam("reblogs"), notify=bindparam("notifying"), languages=bindparam("langs", type_=t.follows.c.languages.type),
    uri=bindparam("follow_uri"), remote_follower=bindparam("remote"), created_at=bindparam("at")))
_IS_REMOTE = select(t.accounts.c.domain != "").where(t.accounts.c.id == bindparam("account"))
_FOLLOWING = select(exists().where(t.follows.c.account_id == bindparam("follower"),
                                   t.follows.c.target_account_id == bindparam("target")))
_BLOCKS_DOMAIN = select(exists().where(t.account_domain_blocks.c.account_id == bindparam("account"),
                                       t.account_domain_blocks.c.domain == bindparam("domain")))


async def _bump(conn, follower_id: int, target_id: int, delta: int) -> None:
    await conn.execute(_count_following(conn), {"account": follower_id, "delta": delta})
    await conn.execute(_count_followers(conn), {"account": target_id, "delta": delta})


async def target_account(conn, account_id: int | None):
    row = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
    if row is None or row.suspended_at is not None:
        raise NotFound()
    return row


async def create_follow(conn, follower_id: int, target_id: int, *, show_reblogs: bool = True, notify: bool = False,
                        languages: list[str] | None = None, uri: str | None = None) -> None:
    """Record an accepted follow (idempotent, even for two at once: the first insert wins, and the other
    only changes its settings) and everything it causes."""
    remote = await conn.scalar(_IS_REMOTE, {"account": follower_id})
    created = await conn.execute(_new_follow(conn), {
        "new_id": new_id(), "follower": follower_id, "target": target_id, "reblogs": show_reblogs,
        "notifying": notify, "langs": languages, "follow_uri": uri, "remote": bool(remote), "at": datetime.now(UTC)})
    if created.rowcount != 1:
        await conn.execute(update(t.follows).where(
            t.follows.c.account_id == follower_id, t.follows.c.target_account_id == target_id).values(
            show_reblogs=show_reblogs, notify=notify, languages=languages))
        events.rules_changed(conn, [follower_id])  # a merged account's reposts shown or not
        return
    await _bump(conn, follower_id, target_id, +1)
    await feeds.merge_account(conn, follower_id=follower_id, target_id=target_id)
    events.rules_changed(conn, [follower_id])  # open home streams follow an account merged at read time
    await notifications.notify(conn, recipient_id=target_id, from_account_id=follower_id, type="follow")


async def follow(rt: Runtime, follower_id: int, target_id: int | None, *, reblogs: bool | None = None,
                 notify: bool | None = None, languages: list[str] | None = None) -> None:
    """Follow an account, or ask to when it is locked."""
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        if target.id == follower_id:
            raise Forbidden("You cannot follow yourself")
        if await blocked_between(conn, follower_id, target.id) or await blocks_domain(conn, follower_id, target.domain):
            raise Forbidden("This action is not allowed")
        current = (await conn.execute(select(t.follows).where(
            t.follows.c.account_id == follower_id, t.follows.c.target_account_id == target.id))).first()
        options = dict(
            show_reblogs=reblogs if reblogs is not None else (current.show_reblogs if current else True),
            notify=notify if notify is not None else (current.notify if current else False),
            languages=languages if languages is not None else (current.languages if current else None))
        if current or not (target.locked or target.domain):
            await create_follow(conn, follower_id, target.id, **options)
            return
        pending = await conn.scalar(select(t.follow_requests.c.id).where(
            t.follow_requests.c.account_id == follower_id, t.follow_requests.c.target_account_id == target.id))
        if pending:
            await conn.execute(update(t.follow_requests).where(t.follow_requests.c.id == pending).values(**options))
            return
        # A remote account is followed once its server Accepts; until then the follow is a request.
        request_id = new_id()
        follower = (await conn.execute(select(t.accounts).where(t.accounts.c.id == follower_id))).first()
        uri = outbox.follow_uri(rt, follower, request_id) if target.domain else None
        await conn.execute(t.follow_requests.insert().values(
            id=request_id, account_id=follower_id, target_account_id=target.id, created_at=datetime.now(UTC),
            uri=uri, **options))
        if target.domain:
            await outbox.follow_requested(rt, conn, follower, target, uri)
        else:
            await notifications.notify(conn, recipient_id=target.id, from_account_id=follower_id,
                                       type="follow_request")


async def remove_follow(conn, follower_id: int, target_id: int, *, rt: Runtime | None = None) -> None:
    """Undo a follow and a pending request, with counters, feed, lists, endorsement and notification;
    with `rt`, the other server hears of it (Undo Follow from our follower, Reject to a remote follower)."""
    if rt is not None:
        await _federate_removal(rt, conn, follower_id, target_id)
    removed = await conn.execute(delete(t.follows).where(
        t.follows.c.account_id == follower_id, t.follows.c.target_account_id == target_id))
    if removed.rowcount:
        await _bump(conn, follower_id, target_id, -1)
        await feeds.unmerge_account(conn, follower_id=follower_id, target_id=target_id)
        events.rules_changed(conn, [follower_id])
        await notifications.retract(conn, recipient_id=target_id, from_account_id=follower_id, type="follow")
        await conn.execute(delete(t.list_accounts).where(
            t.list_accounts.c.account_id == target_id,
            t.list_accounts.c.list_id.in_(select(t.lists.c.id).where(t.lists.c.account_id == follower_id))))
        await conn.execute(delete(t.endorsements).where(t.endorsements.c.account_id == follower_id,
                                                        t.endorsements.c.target_account_id == target_id))
    requested = await conn.execute(delete(t.follow_requests).where(
        t.follow_requests.c.account_id == follower_id, t.follow_requests.c.target_account_id == target_id))
    if requested.rowcount:
        await notifications.retract(conn, recipient_id=target_id, from_account_id=follower_id, type="follow_request")


async def _federate_removal(rt: Runtime, conn, follower_id: int, target_id: int) -> None:
    rows = {r.id: r for r in (await conn.execute(select(t.accounts).where(
        t.accounts.c.id.in_([follower_id, target_id])))).all()}
    follower, target = rows.get(follower_id), rows.get(target_id)
    if follower is None or target is None or not (follower.domain or target.domain):
        return
    uri = (await conn.scalar(select(t.follows.c.uri).where(
        t.follows.c.account_id == follower_id, t.follows.c.target_account_id == target_id))) or \
        (await conn.scalar(select(t.follow_requests.c.uri).where(
            t.follow_requests.c.account_id == follower_id, t.follow_requests.c.target_account_id == target_id)))
    if target.domain and not follower.domain:
        await outbox.follow_undone(rt, conn, follower, target, uri)
    elif follower.domain and not target.domain:
        await outbox.follow_answered(rt, conn, target, follower, uri, accepted=False)


async def unfollow(rt: Runtime, follower_id: int, target_id: int | None) -> None:
    async with rt.db.write() as conn:
        target = await target_account(conn, target_id)
        await remove_follow(conn, follower_id, target.id, rt=rt)


async def remove_from_followers(rt: Runtime, account_id: int, follower_id: int | None) -> None:
    async with rt.db.write() as conn:
        follower = await target_account(conn, follower_id)
        await remove_follow(conn, follower.id, account_id, rt=rt)


async def receive_follow(rt: Runtime, follower, target, uri: str) -> None:
    """A remote account's Follow (the rows of both accounts, as the inbox read them): accepted at once (and
    the Accept sent back) unless the target is locked, when it waits as a request. A repeated Follow is
    answered again (its Accept may be lost)."""
    async with rt.db.write() as conn:
        if await blocked_between(conn, follower.id, target.id) or await blocks_domain(conn, target.id, follower.domain):
            await outbox.follow_answered(rt, conn, target, follower, uri, accepted=False)
            return
        following = await is_following(conn, follower.id, target.id)
        if not following and target.locked:
            pending = await conn.scalar(select(t.follow_requests.c.id).where(
                t.follow_requests.c.account_id == follower.id, t.follow_requests.c.target_account_id == target.id))
            if pending:
                await conn.execute(update(t.follow_requests).where(t.follow_requests.c.id == pending).values(uri=uri))
            else:
                await conn.execute(t.follow_requests.insert().values(
                    id=new_id(), account_id=follower.id, target_account_id=target.id, uri=uri,
                    created_at=datetime.now(UTC)))
                await notifications.notify(conn, recipient_id=target.id, from_account_id=follower.id,
                                           type="follow_request")
            return
        await create_follow(conn, follower.id, target.id, uri=uri)
        await outbox.follow_answered(rt, conn, target, follower, uri, accepted=True)


async def follow_accepted(rt: Runtime, follower_id: int, target_id: int) -> bool:
    """The remote target accepted our follow request; False when there was none."""
    async with rt.db.write() as conn:
        request = (await conn.execute(select(t.follow_requests).where(
            t.follow_requests.c.account_id == follower_id, t.follow_requests.c.target_account_id == target_id))).first()
        if request is None:
            return await is_following(conn, follower_id, target_id)
        await conn.execute(delete(t.follow_requests).where(t.follow_requests.c.id == request.id))
        await create_follow(conn, follower_id, target_id, show_reblogs=request.show_reblogs, notify=request.notify,
                            languages=request.languages, uri=request.uri)
        return True


async def follow_rejected(rt: Runtime, follower_id: int, target_id: int) -> None:
    """The remote target rejected (or later removed) our follow."""
    async with rt.db.write() as conn:
        await remove_follow(conn, follower_id, target_id)


async def requests_for(rt: Runtime, account_id: int, *, max_id=None, since_id=None, limit: int = 40):
    """Pending follow requests to the account: (request id, requester account row) newest first."""
    query = (select(t.follow_requests.c.id.label("request_id"), t.accounts)
             .join(t.accounts, t.accounts.c.id == t.follow_requests.c.account_id)
             .where(t.follow_requests.c.target_account_id == account_id))
    if max_id is not None:
        query = query.where(t.follow_requests.c.id < max_id)
    if since_id is not None:
        query = query.where(t.follow_requests.c.id > since_id)
    async with rt.db.read() as conn:
        return (await conn.execute(query.order_by(t.follow_requests.c.id.desc()).limit(limit))).all()


async def answer_request(rt: Runtime, account_id: int, requester_id: int | None, *, accept: bool) -> None:
    """Authorize or reject a pending follow request from `requester_id`."""
    async with rt.db.write() as conn:
        request = (await conn.execute(select(t.follow_requests).where(
            t.follow_requests.c.account_id == requester_id,
            t.follow_requests.c.target_account_id == account_id))).first()
        if request is None:
            raise NotFound()
        await conn.execute(delete(t.follow_requests).where(t.follow_requests.c.id == request.id))
        await notifications.retract(conn, recipient_id=account_id, from_account_id=request.account_id,
                                    type="follow_request")
        if accept:
            await create_follow(conn, request.account_id, account_id, show_reblogs=request.show_reblogs,
                                notify=request.notify, languages=request.languages, uri=request.uri)
        requester = (await conn.execute(select(t.accounts).where(t.accounts.c.id == request.account_id))).first()
        if requester.domain:
            target = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
            await outbox.follow_answered(rt, conn, target, requester, request.uri, accepted=accept)


async def blocks_domain(conn, account_id: int, domain: str) -> bool:
    """Whether the account blocks the server `domain` (POST /api/v1/domain_blocks); never a local one."""
    return bool(domain) and bool(await conn.scalar(_BLOCKS_DOMAIN, {"account": account_id, "domain": domain}))


async def is_following(conn, follower_id: int, target_id: int) -> bool:
    return bool(await conn.scalar(_FOLLOWING, {"follower": follower_id, "target": target_id}))


def validate_languages(languages: list) -> list[str] | None:
    if not languages:
        return None
    if len(languages) > 20 or not all(isinstance(x, str) and 2 <= len(x) <= 8 for x in languages):
        raise Invalid("Validation failed: languages must be ISO 639 codes")
    return [str(x) for x in languages]

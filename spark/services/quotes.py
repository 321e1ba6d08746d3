"""Quote posts after publication (Mastodon 4.5): list, revoke, change who may quote, and the consent
asked of and given by other servers (FEP-044f)."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import greatest
from spark.domain.errors import Invalid, NotFound
from spark.domain.posts import QUOTE_POLICIES, quote_allowed
from spark.domain.visibility import Visibility
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import remote_posts
from spark.services.follows import is_following
from spark.services.statuses import visible, visible_row

logger = logging.getLogger(__name__)


async def quoting_ids(rt: Runtime, viewer_id: int, status_id: int | None, *, max_id=None, since_id=None,
                      limit: int = 20) -> list[int]:
    """Accepted quotes of a status the viewer can see, newest first (the author also sees pending ones)."""
    async with rt.db.read() as conn:
        quoted = await visible_row(conn, status_id, viewer_id)
        states = ["accepted", "pending"] if quoted.account_id == viewer_id else ["accepted"]
        query = select(t.statuses).where(t.statuses.c.quote_of_id == quoted.id, t.statuses.c.quote_state.in_(states))
        if max_id is not None:
            query = query.where(t.statuses.c.id < max_id)
        if since_id is not None:
            query = query.where(t.statuses.c.id > since_id)
        rows = (await conn.execute(query.order_by(t.statuses.c.id.desc()).limit(limit * 2))).all()
        return [row.id for row in rows if await visible(conn, row, viewer_id)][:limit]


async def revoke(rt: Runtime, author_id: int, status_id: int | None, quoting_id: int | None) -> int:
    """The quoted post's author detaches their post from someone's quote of it."""
    async with rt.db.write() as conn:
        quoted = await visible_row(conn, status_id, author_id)
        if quoted.account_id != author_id:
            raise NotFound()
        quoting = await visible_row(conn, quoting_id, author_id)
        if quoting.quote_of_id != quoted.id:
            raise NotFound()
        if quoting.quote_state != "revoked":
            await conn.execute(update(t.statuses).where(t.statuses.c.id == quoting.id).values(quote_state="revoked"))
        if quoting.quote_state == "accepted":  # only accepted quotes were counted, and given a stamp
            await _uncount(conn, quoted.id)
            if not quoting.local:
                accounts = {r.id: r for r in (await conn.execute(select(t.accounts).where(
                    t.accounts.c.id.in_([author_id, quoting.account_id])))).all()}
                author, quoter = accounts[author_id], accounts[quoting.account_id]
                await outbox.quote_revoked(rt, conn, author, quoter,
                                           outbox.quote_stamp_uri(rt, author, quoted.id, quoting.id))
    return quoting.id


async def set_policy(rt: Runtime, author_id: int, status_id: int | None, policy: str | None) -> int:
    if policy not in QUOTE_POLICIES:
        raise Invalid(f"Validation failed: quote_approval_policy must be one of {', '.join(sorted(QUOTE_POLICIES))}")
    async with rt.db.write() as conn:
        row = await visible_row(conn, status_id, author_id)
        if row.account_id != author_id or row.reblog_of_id:
            raise NotFound()
        await conn.execute(update(t.statuses).where(t.statuses.c.id == row.id).values(quote_approval_policy=policy))
    return row.id


async def answer_remote_request(rt: Runtime, *, target_id: int, quoter_id: int, quote_id: int | None,
                                request: dict) -> bool:
    """A remote account's request to quote a local post (FEP-044f): approved when the post's policy
    allows this quoter and the quote post is theirs; the quote is then shown as accepted. Returns
    whether it was approved."""
    async with rt.db.write() as conn:
        target = (await conn.execute(select(t.statuses).where(t.statuses.c.id == target_id))).first()
        accounts = {r.id: r for r in (await conn.execute(select(t.accounts).where(
            t.accounts.c.id.in_([quoter_id, target.account_id])))).all()}
        author, quoter = accounts[target.account_id], accounts[quoter_id]
        allowed = quote_id is not None and target.visibility <= Visibility.UNLISTED and quote_allowed(
            target.quote_approval_policy, quoter_id=quoter_id, author_id=author.id,
            quoter_follows_author=await is_following(conn, quoter_id, author.id))
        stamp = None
        if allowed:
            quote = (await conn.execute(select(t.statuses).where(t.statuses.c.id == quote_id))).first()
            if quote.quote_of_id != target.id or quote.quote_state != "accepted":
                await conn.execute(update(t.statuses).where(t.statuses.c.id == quote_id).values(
                    quote_of_id=target.id, quote_state="accepted"))
                await remote_posts.quote_accepted(conn, quote_id=quote_id, quoted=target, quoter_id=quoter_id)
            stamp = outbox.quote_stamp_uri(rt, author, target.id, quote_id)
        await outbox.quote_answered(rt, conn, author, quoter, request, stamp=stamp)
        return allowed


async def authorization(rt: Runtime, username: str, status_id: int, quote_id: int):
    """(author row, quoted row, quote row) of an accepted quote of a local post, or None."""
    async with rt.db.read() as conn:
        rows = {r.id: r for r in (await conn.execute(select(t.statuses).where(
            t.statuses.c.id.in_([status_id, quote_id])))).all()}
        quoted, quote = rows.get(status_id), rows.get(quote_id)
        if quoted is None or quote is None or quote.quote_of_id != quoted.id or quote.quote_state != "accepted":
            return None
        author = (await conn.execute(select(t.accounts).where(t.accounts.c.id == quoted.account_id))).first()
    if author is None or author.domain or author.username.lower() != username.lower():
        return None
    return author, quoted, quote


async def remote_request_answered(rt: Runtime, *, quoting_id: int, answerer_id: int, stamp: str | None) -> bool:
    """The author of the remote post a local post quotes answered its QuoteRequest (FEP-044f): an Accept
    carrying their QuoteAuthorization stamp makes the quote accepted (once, from pending); a Reject refuses
    it, or revokes it once accepted (as Mastodon reads a late Reject). Nobody else is heard."""
    async with rt.db.write() as conn:
        quoting = (await conn.execute(select(t.statuses).where(
            t.statuses.c.id == quoting_id, t.statuses.c.local.is_(True)))).first()
        if quoting is None or quoting.quote_of_id is None or await _quoted_author(conn, quoting) != answerer_id:
            logger.warning("an answer to the quote request of post %s from account %s was not the quoted author's",
                           quoting_id, answerer_id)
            return False
        if stamp is None:
            return await _withdraw(conn, quoting)
        accepted = await conn.execute(update(t.statuses).where(
            t.statuses.c.id == quoting.id, t.statuses.c.quote_state == "pending").values(
            quote_state="accepted", quote_authorization_uri=stamp))
        if not accepted.rowcount:
            if quoting.quote_state != "accepted":  # accepted already: the same answer delivered again
                logger.warning("quote %s was %s when its approval came", quoting.id, quoting.quote_state)
            return False
        await conn.execute(update(t.statuses).where(t.statuses.c.id == quoting.quote_of_id).values(
            quotes_count=t.statuses.c.quotes_count + 1))
        await outbox.quote_authorized(rt, conn, quoting.id)
        return True


async def remote_authorization_withdrawn(rt: Runtime, *, author_id: int, stamp: str) -> bool:
    """A remote author deleted the stamp they gave a local quote of their post: the quote is revoked.
    Looked up read-only first, since every remote Delete of something not here asks."""
    async with rt.db.read() as conn:
        quoting_id = await conn.scalar(select(t.statuses.c.id).where(
            t.statuses.c.quote_authorization_uri == stamp, t.statuses.c.local.is_(True)).limit(1))
    if quoting_id is None:
        return False
    async with rt.db.write() as conn:
        quoting = (await conn.execute(select(t.statuses).where(t.statuses.c.id == quoting_id))).first()
        if quoting is None or await _quoted_author(conn, quoting) != author_id:
            return False
        return await _withdraw(conn, quoting)


async def _quoted_author(conn, quoting) -> int | None:
    return await conn.scalar(select(t.statuses.c.account_id).where(t.statuses.c.id == quoting.quote_of_id))


async def _withdraw(conn, quoting) -> bool:
    """Pending → rejected; accepted → revoked, and the quoted post counts one quote less."""
    state = {"pending": "rejected", "accepted": "revoked"}.get(quoting.quote_state)
    if state is None:
        return False
    changed = await conn.execute(update(t.statuses).where(
        t.statuses.c.id == quoting.id, t.statuses.c.quote_state == quoting.quote_state).values(quote_state=state))
    if changed.rowcount and state == "revoked":
        await _uncount(conn, quoting.quote_of_id)
    return bool(changed.rowcount)


async def _uncount(conn, quoted_id: int) -> None:
    await conn.execute(update(t.statuses).where(t.statuses.c.id == quoted_id).values(
        quotes_count=greatest(conn)(t.statuses.c.quotes_count - 1, 0)))

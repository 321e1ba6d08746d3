"""Polls: reading one, voting, and telling voters and the author when a poll has ended."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.domain.moments import aware
from spark.domain.posts import validate_choices
from spark.federation import outbox
from spark.runtime import Runtime
from spark.services import notifications
from spark.services.statuses import visible_row


async def _visible_poll(conn, poll_id: int | None, viewer_id: int | None, *, lock: bool = False):
    query = select(t.polls).where(t.polls.c.id == (poll_id or -1))
    poll = (await conn.execute(query.with_for_update() if lock else query)).first()
    if poll is None:
        raise NotFound()
    status = await visible_row(conn, poll.status_id, viewer_id)
    if status.poll_id != poll.id:
        raise NotFound()
    return poll


async def _own_votes(conn, poll_id: int, viewer_id: int | None) -> list[int] | None:
    if viewer_id is None:
        return None
    return list((await conn.execute(select(t.poll_votes.c.choice).where(
        t.poll_votes.c.poll_id == poll_id, t.poll_votes.c.account_id == viewer_id)
        .order_by(t.poll_votes.c.choice))).scalars())


async def get(rt: Runtime, viewer_id: int | None, poll_id: int | None):
    """(poll row, the viewer's own choices)."""
    async with rt.db.read() as conn:
        poll = await _visible_poll(conn, poll_id, viewer_id)
        return poll, await _own_votes(conn, poll.id, viewer_id)


async def vote(rt: Runtime, account_id: int, poll_id: int | None, choices: list[int]):
    async with rt.db.write() as conn:
        poll = await _visible_poll(conn, poll_id, account_id, lock=True)
        expires_at = aware(poll.expires_at)
        if expires_at is not None and expires_at <= datetime.now(UTC):
            raise Invalid("Validation failed: The poll has already ended")
        choices = validate_choices(choices, len(poll.options), bool(poll.multiple))
        if await _own_votes(conn, poll.id, account_id):
            raise Invalid("Validation failed: You have already voted on this poll")
        for choice in choices:
            await conn.execute(t.poll_votes.insert().values(id=new_id(), poll_id=poll.id, account_id=account_id,
                                                            choice=choice))
        counts = list(poll.votes)
        for choice in choices:
            counts[choice] += 1
        await conn.execute(update(t.polls).where(t.polls.c.id == poll.id).values(
            votes=counts, votes_count=t.polls.c.votes_count + len(choices),
            voters_count=t.polls.c.voters_count + 1))
        poll = (await conn.execute(select(t.polls).where(t.polls.c.id == poll.id))).first()
        status_row = (await conn.execute(select(t.statuses).where(t.statuses.c.id == poll.status_id))).first()
        accounts = {r.id: r for r in (await conn.execute(select(t.accounts).where(
            t.accounts.c.id.in_([account_id, poll.account_id])))).all()}
        await outbox.voted(rt, conn, accounts[account_id], poll, status_row, accounts[poll.account_id], choices)
        return poll, choices


async def notify_ended(rt: Runtime, batch: int = 100) -> int:
    """Send "poll" notifications for polls that have ended; returns how many polls were closed."""
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        due = (await conn.execute(select(t.polls).where(
            t.polls.c.ended_notified.is_(False), t.polls.c.expires_at <= now).limit(batch))).all()
        for poll in due:
            voters = set((await conn.execute(select(t.poll_votes.c.account_id).where(
                t.poll_votes.c.poll_id == poll.id))).scalars())
            for recipient in voters | {poll.account_id}:
                await notifications.notify(conn, recipient_id=recipient, from_account_id=poll.account_id,
                                           type="poll", status_id=poll.status_id)
            await conn.execute(update(t.polls).where(t.polls.c.id == poll.id).values(ended_notified=True))
    return len(due)


async def add_remote_vote(rt: Runtime, account_id: int, poll_id: int, choice: int) -> None:
    """A remote account's vote (one Create per choice): counted once per choice and voter."""
    async with rt.db.write() as conn:
        poll = (await conn.execute(select(t.polls).where(t.polls.c.id == poll_id))).first()
        expires_at = aware(poll.expires_at) if poll else None
        if poll is None or (expires_at is not None and expires_at <= datetime.now(UTC)):
            raise Invalid("Validation failed: The poll has already ended")
        own = await _own_votes(conn, poll.id, account_id)
        if choice in own or (own and not poll.multiple):
            return
        await conn.execute(t.poll_votes.insert().values(id=new_id(), poll_id=poll.id, account_id=account_id,
                                                        choice=choice))
        counts = list(poll.votes)
        counts[choice] += 1
        await conn.execute(update(t.polls).where(t.polls.c.id == poll.id).values(
            votes=counts, votes_count=t.polls.c.votes_count + 1,
            voters_count=t.polls.c.voters_count + (0 if own else 1)))

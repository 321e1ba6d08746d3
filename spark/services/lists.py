"""Lists: a user's named subsets of the accounts they follow, each with its own timeline."""

from __future__ import annotations

from contextlib import asynccontextmanager

from sqlalchemy import delete, exists, func, select, update

from spark.adapters.db import schema as t
from spark.adapters.db.functions import insert_ignore
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services import events

REPLIES_POLICIES = ("followed", "list", "none")
MAX_LISTS = 50
MAX_TITLE = 255


def _checked(title: str | None, replies_policy: str | None) -> None:
    if title is not None and not title.strip():
        raise Invalid("Validation failed: Title can't be blank")
    if title is not None and len(title) > MAX_TITLE:
        raise Invalid(f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)")
    if replies_policy is not None and replies_policy not in REPLIES_POLICIES:
        raise Invalid("Validation failed: Replies policy must be followed, list or none")


@asynccontextmanager
async def _changing(rt: Runtime, owner_id: int):
    """A transaction changing the owner's lists; exclusive ones shape their home stream, so it hears of it."""
    async with rt.db.write() as conn:
        yield conn
        events.rules_changed(conn, [owner_id])


async def _owned(conn, owner_id: int, list_id: int | None):
    row = (await conn.execute(select(t.lists).where(t.lists.c.id == (list_id or -1),
                                                     t.lists.c.account_id == owner_id))).first()
    if row is None:
        raise NotFound()
    return row


async def all_lists(rt: Runtime, owner_id: int) -> list:
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.lists).where(t.lists.c.account_id == owner_id)
                                   .order_by(t.lists.c.title, t.lists.c.id))).all()


async def get(rt: Runtime, owner_id: int, list_id: int | None):
    async with rt.db.read() as conn:
        return await _owned(conn, owner_id, list_id)


async def create(rt: Runtime, owner_id: int, title: str | None, replies_policy: str | None = None,
                 exclusive: bool = False):
    _checked(title if title is not None else "", replies_policy)
    async with _changing(rt, owner_id) as conn:
        count = await conn.scalar(select(func.count()).select_from(t.lists).where(t.lists.c.account_id == owner_id))
        if count >= MAX_LISTS:
            raise Invalid(f"Validation failed: You cannot have more than {MAX_LISTS} lists")
        list_id = new_id()
        await conn.execute(t.lists.insert().values(id=list_id, account_id=owner_id, title=title.strip(),
                                                   replies_policy=replies_policy or "list", exclusive=exclusive))
        return await _owned(conn, owner_id, list_id)


async def update_list(rt: Runtime, owner_id: int, list_id: int | None, *, title: str | None = None,
                      replies_policy: str | None = None, exclusive: bool | None = None):
    _checked(title, replies_policy)
    changes = {k: v for k, v in (("title", title.strip() if title is not None else None),
                                 ("replies_policy", replies_policy), ("exclusive", exclusive)) if v is not None}
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, list_id)
        if changes:
            await conn.execute(update(t.lists).where(t.lists.c.id == row.id).values(**changes))
        return await _owned(conn, owner_id, row.id)


async def delete_list(rt: Runtime, owner_id: int, list_id: int | None) -> None:
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, list_id)
        await conn.execute(delete(t.list_accounts).where(t.list_accounts.c.list_id == row.id))
        await conn.execute(delete(t.lists).where(t.lists.c.id == row.id))


async def members(rt: Runtime, owner_id: int, list_id: int | None, *, max_id=None, since_id=None, limit=40):
    """Accounts on a list as rows with a `row_id` (the account id) for pagination."""
    async with rt.db.read() as conn:
        row = await _owned(conn, owner_id, list_id)
        query = (select(t.accounts.c.id.label("row_id"), t.accounts)
                 .join(t.list_accounts, t.list_accounts.c.account_id == t.accounts.c.id)
                 .where(t.list_accounts.c.list_id == row.id))
        if max_id is not None:
            query = query.where(t.accounts.c.id < max_id)
        if since_id is not None:
            query = query.where(t.accounts.c.id > since_id)
        return (await conn.execute(query.order_by(t.accounts.c.id.desc()).limit(limit))).all()


async def add_members(rt: Runtime, owner_id: int, list_id: int | None, account_ids: list[int]) -> None:
    """Add followed accounts to a list (Mastodon refuses accounts one does not follow)."""
    if not account_ids:
        raise Invalid("Validation failed: account_ids is missing")
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, list_id)
        for account_id in dict.fromkeys(account_ids):
            followed = await conn.scalar(select(exists().where(
                t.follows.c.account_id == owner_id, t.follows.c.target_account_id == account_id)))
            if not followed:
                found = await conn.scalar(select(exists().where(t.accounts.c.id == account_id)))
                if not found:
                    raise NotFound()
                raise Invalid("Validation failed: You must follow an account to add it to a list")
            # Added twice at once is added once (on PostgreSQL the second insert used to fail).
            await conn.execute(insert_ignore(conn, t.list_accounts, list_id=row.id, account_id=account_id))


async def remove_members(rt: Runtime, owner_id: int, list_id: int | None, account_ids: list[int]) -> None:
    async with _changing(rt, owner_id) as conn:
        row = await _owned(conn, owner_id, list_id)
        await conn.execute(delete(t.list_accounts).where(t.list_accounts.c.list_id == row.id,
                                                         t.list_accounts.c.account_id.in_(account_ids)))


async def lists_containing(rt: Runtime, owner_id: int, account_id: int | None) -> list:
    async with rt.db.read() as conn:
        return (await conn.execute(select(t.lists).join(t.list_accounts, t.list_accounts.c.list_id == t.lists.c.id)
                                   .where(t.lists.c.account_id == owner_id,
                                          t.list_accounts.c.account_id == (account_id or -1))
                                   .order_by(t.lists.c.title))).all()

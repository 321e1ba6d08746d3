"""Collections (Mastodon 4.6): named sets of up to 25 accounts a user recommends following, shown on their
profile. Accounts of this server are featured at once (they can revoke it); those of other servers are
refused for now, as featuring them needs their consent over ActivityPub (FeatureRequest), not built yet.
Nobody can feature an account that blocks them or that they block, a suspended account, one that opted
out of discovery, or themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, union, update

from spark.adapters.db import schema as t
from spark.domain import collections as rules
from spark.domain.errors import Forbidden, Invalid, NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime
from spark.services import tags
from spark.services.follows import target_account
from spark.services.posting import tag_ids
from spark.services.statuses import blocked_between


@dataclass
class Collection:
    """A collection as one viewer sees it: the items they may see, and the accounts of the owner and items."""

    row: object
    owner: object  # account row
    tag_name: str | None
    items: list  # collection_items rows
    accounts: dict  # id -> account row (owner and items)


@dataclass
class Changes:
    """Fields to set; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    language: str | None = None
    sensitive: bool | None = None
    discoverable: bool | None = None
    tag_name: str | None = None


async def _load(conn, rows: list, viewer_id: int | None) -> list[Collection]:
    """Collections with their tags, the items `viewer_id` may see (suspended accounts and those blocked
    either way left out) and every account shown."""
    if not rows:
        return []
    owners = {r.id: r for r in await conn.execute(select(t.accounts).where(
        t.accounts.c.id.in_({row.account_id for row in rows})))}
    tag_names = {r.id: r.display_name for r in await conn.execute(select(t.tags.c.id, t.tags.c.display_name).where(
        t.tags.c.id.in_({row.tag_id for row in rows if row.tag_id})))}
    items = (await conn.execute(select(t.collection_items).where(
        t.collection_items.c.collection_id.in_([row.id for row in rows]),
        t.collection_items.c.state.in_(rules.IN_COLLECTION))
        .order_by(t.collection_items.c.created_at, t.collection_items.c.id))).all()
    featured = {r.id: r for r in await conn.execute(select(t.accounts).where(
        t.accounts.c.id.in_({item.account_id for item in items}), t.accounts.c.suspended_at.is_(None)))}
    hidden = set()
    if viewer_id is not None and featured:  # blocked either way, in one query
        hidden = set((await conn.execute(union(
            select(t.blocks.c.target_account_id).where(t.blocks.c.account_id == viewer_id,
                                                       t.blocks.c.target_account_id.in_(featured)),
            select(t.blocks.c.account_id).where(t.blocks.c.target_account_id == viewer_id,
                                                t.blocks.c.account_id.in_(featured))))).scalars())
    out = []
    for row in rows:
        states = rules.visible_states(owner=viewer_id == row.account_id)
        shown = [item for item in items if item.collection_id == row.id and item.state in states
                 and item.account_id in featured and item.account_id not in hidden]
        accounts = {row.account_id: owners[row.account_id], **{item.account_id: featured[item.account_id]
                                                                 for item in shown}}
        out.append(Collection(row, owners[row.account_id], tag_names.get(row.tag_id), shown, accounts))
    return out


async def _row(conn, collection_id: int | None):
    row = (await conn.execute(select(t.collections).where(t.collections.c.id == (collection_id or -1)))).first()
    if row is None:
        raise NotFound()
    return row


async def _curator_hidden_from(conn, viewer_id: int | None, owner_id: int) -> bool:
    """Whether a curator's collections are out of the viewer's sight: they block each other (a suspended
    curator is NotFound)."""
    owner = await target_account(conn, owner_id)
    return viewer_id is not None and viewer_id != owner.id and await blocked_between(conn, viewer_id, owner.id)


async def _owned(conn, owner_id: int, collection_id: int | None):
    row = await _row(conn, collection_id)
    if row.account_id != owner_id:
        raise Forbidden("This action is not allowed")
    return row


async def _tag_id(conn, name: str | None) -> int | None:
    if not name:
        return None
    try:
        name = tags.checked_name(name)
    except NotFound:
        raise Invalid("Validation failed: Tag is invalid") from None
    return (await tag_ids(conn, [name]))[0]


async def _feature(conn, owner_id: int, collection_id: int, account_id: int | None, now: datetime):
    """Add one account to a collection (see the module docstring for who can be); returns the item row."""
    account = await target_account(conn, account_id)
    if account.id == owner_id:
        raise Invalid("Validation failed: You cannot feature yourself")
    if account.domain:
        raise Invalid("Validation failed: Accounts of other servers cannot be featured in collections yet")
    if not account.discoverable or await blocked_between(conn, owner_id, account.id):
        raise Forbidden("This account cannot be added to collections")
    present = (await conn.execute(select(t.collection_items).where(
        t.collection_items.c.collection_id == collection_id, t.collection_items.c.account_id == account.id))).first()
    if present is not None and present.state in rules.IN_COLLECTION:
        raise Invalid("Validation failed: This account is already in the collection")
    if present is not None:
        raise Forbidden("This account removed itself from the collection")
    count = await conn.scalar(select(func.count()).select_from(t.collection_items).where(
        t.collection_items.c.collection_id == collection_id, t.collection_items.c.state.in_(rules.IN_COLLECTION)))
    if count >= rules.MAX_ITEMS:
        raise Invalid(f"Validation failed: A collection holds at most {rules.MAX_ITEMS} accounts")
    return (await conn.execute(t.collection_items.insert().values(
        id=new_id(), collection_id=collection_id, account_id=account.id, state="accepted", created_at=now)
        .returning(*t.collection_items.c))).first()


async def _touched(conn, collection_id: int) -> None:
    """Its items changed: the collection is updated."""
    await conn.execute(update(t.collections).where(t.collections.c.id == collection_id).values(
        updated_at=datetime.now(UTC)))


async def create(rt: Runtime, owner_id: int, fields: Changes, account_ids: list[int]) -> Collection:
    rules.check_fields(name=fields.name or "", description=fields.description, language=fields.language)
    now = datetime.now(UTC)
    async with rt.db.write() as conn:
        count = await conn.scalar(select(func.count()).select_from(t.collections)
                                  .where(t.collections.c.account_id == owner_id))
        if count >= rules.MAX_PER_ACCOUNT:
            raise Invalid(f"Validation failed: You cannot have more than {rules.MAX_PER_ACCOUNT} collections")
        row = (await conn.execute(t.collections.insert().values(
            id=new_id(), account_id=owner_id, name=fields.name.strip(), description=fields.description or "",
            language=fields.language or None, sensitive=bool(fields.sensitive),
            discoverable=True if fields.discoverable is None else fields.discoverable,
            tag_id=await _tag_id(conn, fields.tag_name), created_at=now, updated_at=now)
            .returning(*t.collections.c))).first()
        for account_id in dict.fromkeys(account_ids):
            await _feature(conn, owner_id, row.id, account_id, now)
        return (await _load(conn, [row], owner_id))[0]


async def change(rt: Runtime, owner_id: int, collection_id: int | None, fields: Changes) -> Collection:
    rules.check_fields(name=fields.name, description=fields.description, language=fields.language)
    values = {key: value for key, value in (("name", fields.name and fields.name.strip()),
                                            ("description", fields.description), ("sensitive", fields.sensitive),
                                            ("discoverable", fields.discoverable)) if value is not None}
    if fields.language is not None:
        values["language"] = fields.language or None
    async with rt.db.write() as conn:
        row = await _owned(conn, owner_id, collection_id)
        if fields.tag_name is not None:
            values["tag_id"] = await _tag_id(conn, fields.tag_name)
        row = (await conn.execute(update(t.collections).where(t.collections.c.id == row.id).values(
            **values, updated_at=datetime.now(UTC)).returning(*t.collections.c))).first()
        return (await _load(conn, [row], owner_id))[0]


async def remove(rt: Runtime, owner_id: int, collection_id: int | None) -> None:
    async with rt.db.write() as conn:
        row = await _owned(conn, owner_id, collection_id)
        await conn.execute(delete(t.collection_items).where(t.collection_items.c.collection_id == row.id))
        await conn.execute(delete(t.collections).where(t.collections.c.id == row.id))


async def get(rt: Runtime, viewer_id: int | None, collection_id: int | None) -> Collection:
    """One collection; 404 if its curator is suspended or blocks the viewer (either way)."""
    async with rt.db.read() as conn:
        row = await _row(conn, collection_id)
        if await _curator_hidden_from(conn, viewer_id, row.account_id):
            raise NotFound()
        return (await _load(conn, [row], viewer_id))[0]


async def of_account(rt: Runtime, viewer_id: int | None, account_id: int | None, *, offset: int,
                     limit: int) -> list[Collection]:
    """An account's collections, newest first: all of them for itself, the discoverable ones for others,
    none for an account it blocks or is blocked by."""
    async with rt.db.read() as conn:
        if await _curator_hidden_from(conn, viewer_id, account_id):
            return []
        query = select(t.collections).where(t.collections.c.account_id == account_id)
        if viewer_id != account_id:
            query = query.where(t.collections.c.discoverable.is_(True))
        rows = (await conn.execute(query.order_by(t.collections.c.created_at.desc(), t.collections.c.id.desc())
                                   .offset(offset).limit(limit))).all()
        return await _load(conn, rows, viewer_id)


async def featuring(rt: Runtime, viewer_id: int, account_id: int | None, *, offset: int,
                    limit: int) -> list[Collection]:
    """The collections an account is featured in; only that account may ask (as on Mastodon)."""
    async with rt.db.read() as conn:
        account = await target_account(conn, account_id)
        if account.id != viewer_id:
            raise Forbidden("This action is not allowed")
        rows = (await conn.execute(
            select(t.collections).join(t.collection_items, t.collection_items.c.collection_id == t.collections.c.id)
            .join(t.accounts, t.accounts.c.id == t.collections.c.account_id)
            .where(t.collection_items.c.account_id == account.id, t.collection_items.c.state == "accepted",
                   t.accounts.c.suspended_at.is_(None))
            .order_by(t.collection_items.c.created_at.desc(), t.collections.c.id.desc())
            .offset(offset).limit(limit))).all()
        return await _load(conn, rows, viewer_id)


async def add(rt: Runtime, owner_id: int, collection_id: int | None, account_id: int | None):
    """Feature one more account; returns the new item row."""
    async with rt.db.write() as conn:
        row = await _owned(conn, owner_id, collection_id)
        item = await _feature(conn, owner_id, row.id, account_id, datetime.now(UTC))
        await _touched(conn, row.id)
        return item


async def remove_item(rt: Runtime, owner_id: int, collection_id: int | None, item_id: int | None) -> None:
    async with rt.db.write() as conn:
        row = await _owned(conn, owner_id, collection_id)
        removed = await conn.execute(delete(t.collection_items).where(
            t.collection_items.c.id == (item_id or -1), t.collection_items.c.collection_id == row.id))
        if not removed.rowcount:
            raise NotFound()
        await _touched(conn, row.id)


async def revoke(rt: Runtime, account_id: int, collection_id: int | None, item_id: int | None) -> None:
    """The featured account takes itself out of someone's collection (it cannot be added again)."""
    async with rt.db.write() as conn:
        row = await _row(conn, collection_id)
        item = (await conn.execute(select(t.collection_items).where(
            t.collection_items.c.id == (item_id or -1), t.collection_items.c.collection_id == row.id))).first()
        if item is None:
            raise NotFound()
        if item.account_id != account_id:
            raise Forbidden("This action is not allowed")
        await conn.execute(update(t.collection_items).where(t.collection_items.c.id == item.id).values(
            state="revoked"))

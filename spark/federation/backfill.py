"""Backfill: when a remote account is first met, the newest page of its outbox is fetched so that its
profile here shows its recent public posts (Mastodon shows an empty profile until posts arrive)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from spark.adapters.db import schema as t
from spark.domain.visibility import Visibility
from spark.federation import deref, resolve, urls
from spark.federation.convert import as_to_post, id_of, listed, types_of
from spark.runtime import Runtime

logger = logging.getLogger(__name__)
MAX_ITEMS = 20


async def _first_page(rt: Runtime, outbox_url: str) -> list:
    outbox = await deref.fetch(rt, outbox_url)
    items = outbox.get("orderedItems") or outbox.get("items")
    first = outbox.get("first")
    if not items and first is not None:
        page = first if isinstance(first, dict) and (first.get("orderedItems") or first.get("items")) \
            else await deref.fetch(rt, id_of(first) or "")
        items = page.get("orderedItems") or page.get("items")
    return listed(items)[:MAX_ITEMS]


async def backfill_job(rt: Runtime, payload: dict) -> None:
    async with rt.db.read() as conn:
        author = (await conn.execute(select(t.accounts).where(t.accounts.c.id == payload["account_id"]))).first()
    if author is None or not author.domain or not author.outbox_url or author.suspended_at is not None:
        return
    if urls.host_of(author.outbox_url) != urls.host_of(author.uri):
        return
    try:
        items = await _first_page(rt, author.outbox_url)
    except deref.NotFound as error:
        logger.info("no backfill for %s: %s", author.uri, error)
        return
    for item in reversed(items):  # oldest first, as they were written
        if not isinstance(item, dict) or "Create" not in types_of(item) or not isinstance(item.get("object"), dict):
            continue
        try:
            post = as_to_post(item["object"], followers_url=author.followers_url)
        except ValueError:
            continue
        if post.author_uri != author.uri or urls.host_of(post.uri) != urls.host_of(author.uri) \
                or post.visibility > Visibility.UNLISTED:
            continue
        await resolve.store(rt, author, post, depth=resolve.MAX_DEPTH)  # a post already here is left as it is

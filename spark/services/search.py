"""Search: accounts, hashtags and posts; local URLs of posts and profiles resolve to what they name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import func, literal, or_, select

from spark.adapters.db import schema as t
from spark.adapters.db import search_index
from spark.domain.errors import Invalid
from spark.domain.search import parse_query
from spark.domain.visibility import Visibility
from spark.federation import deref, resolve
from spark.runtime import Runtime
from spark.services import relationships, tags
from spark.services.statuses import visible
from spark.services.views import StatusView, load_filters, load_statuses

TYPES = ("accounts", "hashtags", "statuses")


@dataclass
class Results:
    accounts: list = field(default_factory=list)
    statuses: list[StatusView] = field(default_factory=list)
    hashtags: list[tags.TagView] = field(default_factory=list)


@dataclass
class Query:
    text: str
    type: str | None = None
    limit: int = 20
    offset: int = 0
    account_id: int | None = None
    following: bool = False
    max_id: int | None = None
    min_id: int | None = None
    resolve: bool = False  # look up @user@domain and post/profile URLs on their servers


def _like(term: str) -> str:
    return term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _local_path(rt: Runtime, text: str) -> str | None:
    """The path of a URL on this server, or None."""
    if not text.startswith(("http://", "https://")):
        return None
    parts = urlsplit(text)
    return parts.path if parts.netloc.lower() == rt.settings.domain.lower() else None


async def _hashtags(conn, viewer_id: int | None, q: Query) -> list[tags.TagView]:
    term = q.text.lstrip("#").strip()
    if not term or not tags.TAG_NAME_RE.match(term):
        return []
    rows = (await conn.execute(select(t.tags).where(t.tags.c.name.like(_like(term) + "%", escape="\\"))
                               .order_by(func.length(t.tags.c.name), t.tags.c.name)
                               .offset(q.offset).limit(q.limit))).all()
    return await tags.views(conn, rows, viewer_id)


async def _statuses(conn, viewer_id: int, q: Query) -> list[StatusView]:
    """Posts containing every word and quoted phrase of the query, newest first, found through the full-text
    index: public and unlisted posts, and the viewer's own."""
    terms = parse_query(q.text)
    if not terms:
        return []
    query, key = search_index.matching(select(t.statuses), conn.dialect.name, terms)
    # Written into the statement, as the words are (search_index.matching): the values that choose its plan.
    shown, limit, offset = (literal(n, literal_execute=True) for n in (int(Visibility.UNLISTED), q.limit * 2, q.offset))
    query = query.where(
        t.statuses.c.reblog_of_id.is_(None),
        or_(t.statuses.c.visibility <= shown, t.statuses.c.account_id == viewer_id))
    if q.account_id is not None:
        query = query.where(t.statuses.c.account_id == q.account_id)
    if q.max_id is not None:
        query = query.where(key < q.max_id)
    if q.min_id is not None:
        query = query.where(key > q.min_id)
    rows = (await conn.execute(query.order_by(key.desc()).offset(offset).limit(limit))).all()
    ids = [row.id for row in rows if await visible(conn, row, viewer_id)][: q.limit]
    return await load_statuses(conn, ids, viewer_id, context="public", filters=await load_filters(conn, viewer_id))


async def _by_url(rt: Runtime, conn, viewer_id: int | None, path: str, results: Results) -> None:
    profile = re.fullmatch(r"/(?:@|users/)(\w+)/?", path)
    post = re.fullmatch(r"/(?:@\w+|users/\w+/statuses)/(\d{1,19})/?", path)
    if post:
        row = (await conn.execute(select(t.statuses).where(t.statuses.c.id == int(post.group(1))))).first()
        if await visible(conn, row, viewer_id):
            results.statuses = await load_statuses(conn, [row.id], viewer_id)
    elif profile:
        row = (await conn.execute(select(t.accounts).where(
            func.lower(t.accounts.c.username) == profile.group(1).lower(), t.accounts.c.domain == "",
            t.accounts.c.suspended_at.is_(None)))).first()
        results.accounts = [row] if row else []


async def _resolve_remote(rt: Runtime, viewer_id: int, text: str, results: Results) -> bool:
    """Fetch what a handle or URL names from its server; True when the search is answered by it."""
    try:
        if deref.ACCT.match(text) and text.lstrip("@").partition("@")[2].lower() != rt.settings.domain.lower():
            results.accounts = [await deref.resolve_acct(rt, text)]
            return True
        if text.startswith(("https://", "http://")):
            row = await resolve.post(rt, text)
            if row is not None:
                async with rt.db.read() as conn:
                    if await visible(conn, row, viewer_id):
                        results.statuses = await load_statuses(conn, [row.id], viewer_id)
                return True
            results.accounts = [await deref.actor(rt, text)]
            return True
    except deref.NotFound:
        return text.startswith(("https://", "http://")) or "@" in text.lstrip("@")
    return False


async def search(rt: Runtime, viewer_id: int | None, q: Query) -> Results:
    if q.type is not None and q.type not in TYPES:
        raise Invalid("Validation failed: type must be accounts, hashtags or statuses")
    results = Results()
    text = q.text.strip()
    if not text:
        return results
    path = _local_path(rt, text)
    if q.resolve and viewer_id is not None and path is None and await _resolve_remote(rt, viewer_id, text, results):
        return results
    async with rt.db.read() as conn:
        if path is not None:
            await _by_url(rt, conn, viewer_id, path, results)
            return results
        if q.type in (None, "hashtags"):
            results.hashtags = await _hashtags(conn, viewer_id, q)
        if q.type in (None, "statuses") and viewer_id is not None:
            results.statuses = await _statuses(conn, viewer_id, q)
    if q.type in (None, "accounts") and not (q.type is None and text.startswith("#")):
        results.accounts = await relationships.search_accounts(rt, viewer_id, text, limit=q.limit, offset=q.offset,
                                                               following_only=q.following)
    return results

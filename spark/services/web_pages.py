"""What each page of the web app shows, read in one call per page (the API reads the same parts
through separate endpoints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spark.domain.errors import NotFound
from spark.runtime import Runtime
from spark.services import (
    accounts,
    interactions,
    lists,
    markers,
    notifications,
    relationships,
    search,
    timelines,
)
from spark.services import statuses as status_service
from spark.services.paging import Page
from spark.services.views import StatusView


@dataclass
class Chrome:
    """The signed-in viewer's account and unread notification count, shown on every page."""

    account: Any
    unread: int


async def chrome(rt: Runtime, viewer_id: int) -> Chrome:
    return Chrome(await accounts.get_account(rt, viewer_id), await notifications.unread_count(rt, viewer_id, 99))


@dataclass
class Profile:
    account: Any
    statuses: list[StatusView] = field(default_factory=list)
    relationship: dict | None = None
    accounts: list = field(default_factory=list)  # followers / following tabs
    relationships: dict[int, dict] = field(default_factory=dict)  # the viewer's, to the accounts listed


async def profile(rt: Runtime, viewer_id: int | None, acct: str, page: Page, *, tab: str = "posts") -> Profile:
    """An account by `name` or `name@domain` with its posts (or its followers / following)."""
    account = await accounts.find_by_acct(rt, acct)
    if account.suspended_at is not None:
        raise NotFound()
    found = Profile(account)
    if tab == "posts":
        found.statuses = await timelines.account_statuses(rt, viewer_id, account.id, page)
    elif tab in ("followers", "following"):
        lister = relationships.followers if tab == "followers" else relationships.following
        found.accounts = await lister(rt, viewer_id, account.id, max_id=page.max_id, limit=page.limit)
        if viewer_id is not None and found.accounts:
            rels = await relationships.relationships(rt, viewer_id, [a.id for a in found.accounts])
            found.relationships = {int(r["id"]): r for r in rels}
    if viewer_id is not None and viewer_id != account.id:
        found.relationship = (await relationships.relationships(rt, viewer_id, [account.id]) or [None])[0]
    return found


@dataclass
class Thread:
    status: StatusView
    ancestors: list[StatusView]
    descendants: list[StatusView]


async def thread(rt: Runtime, viewer_id: int | None, acct: str, status_id: int | None) -> Thread:
    """A post with its thread, if it is by the account the URL names."""
    view = await status_service.get_view(rt, status_id, viewer_id)
    author = view.account
    name = author.username if not author.domain else f"{author.username}@{author.domain}"
    if view.reblog is not None or name.lower() != acct.lower().lstrip("@"):
        raise NotFound()
    ancestors, descendants = await status_service.context(rt, view.row.id, viewer_id)
    return Thread(view, ancestors, descendants)


async def marked(rt: Runtime, viewer_id: int, kind: str, page: Page) -> tuple[list[StatusView], int | None]:
    """Bookmarked or favourited posts, newest mark first, and the mark id to page on from."""
    marks = await interactions.marked_statuses(rt, viewer_id, kind, page)
    views = {v.row.id: v for v in await status_service.get_views(rt, [s for _, s in marks], viewer_id)}
    return [views[s] for _, s in marks if s in views], (marks[-1][0] if marks else None)


async def read_notifications(rt: Runtime, viewer_id: int, page: Page) -> list[notifications.Notification]:
    """A page of notifications; the first page moves the read marker to the newest one shown."""
    items = await notifications.inbox(rt, viewer_id, page)
    if items and page.max_id is None:
        await markers.save(rt, viewer_id, {"notifications": max(n.row.id for n in items)})
    return items


@dataclass
class Found:
    results: search.Results
    relationships: dict[int, dict] = field(default_factory=dict)


async def find(rt: Runtime, viewer_id: int | None, text: str) -> Found:
    """Accounts, hashtags and (signed in) posts matching `text`, with the viewer's relationships to
    the accounts found; a signed-in viewer's `@user@domain` or URL is looked up on its server."""
    query = search.Query(text=text[:512], limit=20, resolve=viewer_id is not None)
    results = await search.search(rt, viewer_id, query)
    found = Found(results)
    if viewer_id is not None and results.accounts:
        rels = await relationships.relationships(rt, viewer_id, [a.id for a in results.accounts])
        found.relationships = {int(r["id"]): r for r in rels}
    return found


async def add_to_list(rt: Runtime, owner_id: int, list_id: int | None, acct: str) -> None:
    """Add an account one follows, named by `name` or `name@domain`, to a list."""
    account = await accounts.find_by_acct(rt, acct)
    await lists.add_members(rt, owner_id, list_id, [account.id])


@dataclass
class ListPage:
    row: Any
    members: list
    statuses: list[StatusView]


async def list_page(rt: Runtime, owner_id: int, list_id: int | None, page: Page) -> ListPage:
    row = await lists.get(rt, owner_id, list_id)
    members = await lists.members(rt, owner_id, row.id, limit=80)
    return ListPage(row, members, await timelines.list_timeline(rt, owner_id, row.id, page))

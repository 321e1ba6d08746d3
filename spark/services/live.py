"""What a streaming listener receives: an event rendered for them, or nothing at all.

A new public or unlisted post is loaded once per process and shared by every listener (who sees it
depends only on their blocks, mutes, blocked servers and filters, kept per connection as `Rules`);
anything else is loaded for each listener with the same checks as a REST read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from spark.domain.errors import NotFound
from spark.domain.filters import hides
from spark.domain.visibility import Visibility
from spark.runtime import Runtime
from spark.services import notifications
from spark.services.statuses import get_row, visible
from spark.services.timelines import ViewerRules, load_hiding_rules
from spark.services.views import StatusView, load_statuses

RULES_MAX_AGE = 60.0  # seconds; mutes expire without an event


@dataclass
class Rules:
    """What a listener never sees and their filters (timelines.ViewerRules: blocks, mutes, blocked
    servers, on home also their exclusive lists' members), as of `loaded_at`."""

    viewer: ViewerRules = field(default_factory=ViewerRules)
    loaded_at: float = 0.0

    @property
    def stale(self) -> bool:
        return time.monotonic() - self.loaded_at > RULES_MAX_AGE

    @property
    def merged(self) -> dict[int, bool]:
        """Followed accounts whose posts reach home streams on their own channels → show their reposts?"""
        return self.viewer.merged

    def check(self, view: StatusView, context: str) -> list | None:
        """None if the listener must not get this post, else the filters it matches (to show as warnings)."""
        if self.viewer.hides(view, on_home=context == "home"):
            return None
        filters = self.viewer.filters
        matches = filters.match((view.reblog or view).row, context) if filters else []
        return None if matches and hides(matches) else matches


async def rules_for(rt: Runtime, viewer_id: int | None) -> Rules:
    if viewer_id is None:
        return Rules(loaded_at=time.monotonic())
    async with rt.db.read() as conn:
        return Rules(await load_hiding_rules(conn, viewer_id), time.monotonic())  # read afresh on each change


async def shared_view(rt: Runtime, status_id: int) -> StatusView | None:
    """The post as anyone sees it, if it is a public or unlisted original by an active account."""
    async with rt.db.read() as conn:
        row = await get_row(conn, status_id)
        if row is None or row.reblog_of_id or row.visibility > Visibility.UNLISTED or not await visible(conn, row, None):
            return None
        views = await load_statuses(conn, [status_id], None)
    return views[0] if views else None


async def status_for(rt: Runtime, viewer_id: int | None, rules: Rules, status_id: int,
                     context: str) -> StatusView | None:
    """The post as `viewer_id` would see it in a `context` timeline, or None if they may not see it."""
    async with rt.db.read() as conn:
        if not await visible(conn, await get_row(conn, status_id), viewer_id):
            return None
        views = await load_statuses(conn, [status_id], viewer_id)
    matches = rules.check(views[0], context) if views else None
    if matches is None:
        return None
    views[0].filtered = matches
    return views[0]


async def notification_for(rt: Runtime, viewer_id: int, notification_id: int) -> notifications.Notification | None:
    try:
        return await notifications.get(rt, viewer_id, notification_id)
    except NotFound:  # dismissed, or its cause undone, since it was sent
        return None

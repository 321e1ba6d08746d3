"""What a streaming listener receives: an event rendered for them, or nothing at all."""

from __future__ import annotations

from spark.domain.errors import NotFound
from spark.domain.filters import hides
from spark.runtime import Runtime
from spark.services import notifications
from spark.services.statuses import get_row, visible
from spark.services.timelines import viewer_rules
from spark.services.views import StatusView, load_statuses


async def status_for(rt: Runtime, viewer_id: int | None, status_id: int, context: str) -> StatusView | None:
    """The post as `viewer_id` would see it in a `context` timeline; None if they may not see it, its
    author (or the reposted author) is hidden from them, or one of their filters hides it."""
    async with rt.db.read() as conn:
        if not await visible(conn, await get_row(conn, status_id), viewer_id):
            return None
        hidden, filters = await viewer_rules(conn, viewer_id, exclusive_lists=context == "home")
        views = await load_statuses(conn, [status_id], viewer_id, context=context, filters=filters)
    if not views:
        return None
    view = views[0]
    if view.account.id in hidden or (view.reblog is not None and view.reblog.account.id in hidden):
        return None
    if view.filtered and hides(view.filtered):
        return None
    return view


async def notification_for(rt: Runtime, viewer_id: int, notification_id: int) -> notifications.Notification | None:
    try:
        return await notifications.get(rt, viewer_id, notification_id)
    except NotFound:  # dismissed, or its cause undone, since it was sent
        return None

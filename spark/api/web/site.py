"""Every route of the web app, in the order they must be tried."""

from __future__ import annotations

from spark.api.web import actions, lists, public, reading, sessions, settings

routes = [*sessions.routes, *public.routes, *reading.routes, *actions.routes, *settings.routes, *lists.routes]

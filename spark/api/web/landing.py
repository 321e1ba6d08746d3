"""The page at "/": what this server is and how to connect an app to it."""

from __future__ import annotations

from starlette.routing import Route

from spark.api.auth import runtime
from spark.api.web.authorize import render
from spark.services import instance


async def landing(request):
    rt = runtime(request)
    figures = await instance.stats(rt)
    return render(request, "landing.html", description=rt.settings.instance_description,
                  users=figures.get("user_count", 0), posts=figures.get("status_count", 0),
                  domain=rt.settings.domain)


routes = [Route("/", landing)]

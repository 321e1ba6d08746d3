"""The profile directory."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import offset_params
from spark.api.presenters import account_json
from spark.api.responses import json_response
from spark.services import directory as directory_service


@endpoint("read:accounts", public=True)
async def directory(request, grant):
    p = await params.parse(request)
    rt = runtime(request)
    offset, limit = offset_params(p, 40, 80)
    rows = await directory_service.directory(
        rt, grant.user_id if grant else None, order=p.str("order", "active", max_length=16),
        local=bool(p.bool("local")), offset=offset, limit=limit)
    return json_response([account_json(rt, row) for row in rows])


routes = [Route("/api/v1/directory", directory)]

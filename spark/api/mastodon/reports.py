"""Reports: POST /api/v1/reports."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.presenters import account_json, iso
from spark.api.responses import json_response
from spark.services import reports


def report_json(rt, row, target) -> dict:
    return {"id": str(row.id), "action_taken": row.action_taken_at is not None,
            "action_taken_at": iso(row.action_taken_at), "category": row.category, "comment": row.comment,
            "forwarded": bool(row.forwarded), "created_at": iso(row.created_at),
            "status_ids": [str(i) for i in row.status_ids] or None, "rule_ids": None,
            "target_account": account_json(rt, target)}


@endpoint("write:reports")
async def create(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    row, target = await reports.file(
        rt, grant.user_id, p.id("account_id"), status_ids=p.ids("status_ids", max_items=20),
        comment=p.str("comment", "", max_length=5000) or "", category=p.str("category", "other", max_length=16),
        forward=bool(p.bool("forward")))
    return json_response(report_json(rt, row, target))


routes = [Route("/api/v1/reports", create, methods=["POST"])]

"""Servers a user blocks for themselves: list (domains as strings), block, unblock."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, runtime
from spark.api.pagination import link_header, page_of
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import domain_blocks


async def _domain(request) -> str:
    domain = (await params.parse(request)).str("domain", max_length=300)
    if not domain:
        raise Invalid("Validation failed: Domain can't be blank")
    return domain


@endpoint("read:blocks")
async def index(request, grant):
    rows = await domain_blocks.blocked_domains(runtime(request), grant.user_id,
                                               page_of(await params.parse(request), 100, 200))
    return json_response([domain for _, domain in rows], headers=link_header(request, [i for i, _ in rows]))


@endpoint("write:blocks")
async def block(request, grant):
    await domain_blocks.block(runtime(request), grant.user_id, await _domain(request))
    return json_response({})


@endpoint("write:blocks")
async def unblock(request, grant):
    await domain_blocks.unblock(runtime(request), grant.user_id, await _domain(request))
    return json_response({})


routes = [
    Route("/api/v1/domain_blocks", index, methods=["GET"]),
    Route("/api/v1/domain_blocks", block, methods=["POST"]),
    Route("/api/v1/domain_blocks", unblock, methods=["DELETE"]),
]

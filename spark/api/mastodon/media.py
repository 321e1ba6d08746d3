"""Media uploads (v1 and v2), their descriptions, and deleting one not yet posted."""

from __future__ import annotations

from starlette.routing import Route

from spark.api import params
from spark.api.auth import endpoint, rate_limit, runtime
from spark.api.presenters import media_json
from spark.api.responses import json_response
from spark.domain.errors import Invalid
from spark.services import media as media_service


def _id(request) -> int | None:
    return params.Params(dict(request.path_params)).id("id")


async def read_upload(rt, upload) -> bytes:
    """Read an uploaded file, refusing it as soon as it passes the size limit."""
    if upload is None:
        raise Invalid("Validation failed: File can't be blank")
    limit = rt.settings.max_image_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise Invalid(f"Validation failed: File size must be less than {limit // 1048576} MB")
    return data


@endpoint("write:media")
async def create(request, grant):
    rt = runtime(request)
    headers = rate_limit(request, "media", f"account:{grant.user_id}")
    p = await params.parse(request, max_file_size=rt.settings.max_image_bytes + 1)
    data = await read_upload(rt, p.file("file"))
    row = await media_service.upload(rt, grant.user_id, data, description=p.str("description", max_length=100_000),
                                     focus=p.str("focus", max_length=64))
    return json_response(media_json(rt, row), headers=headers)


@endpoint("write:media")
async def show(request, grant):
    rt = runtime(request)
    row = await media_service.get_own(rt, grant.user_id, _id(request))
    return json_response(media_json(rt, row))


@endpoint("write:media")
async def update(request, grant):
    rt = runtime(request)
    p = await params.parse(request)
    row = await media_service.describe(rt, grant.user_id, _id(request),
                                       description=p.str("description", max_length=100_000),
                                       focus=p.str("focus", max_length=64))
    return json_response(media_json(rt, row))


@endpoint("write:media")
async def destroy(request, grant):
    await media_service.delete_unattached(runtime(request), grant.user_id, _id(request))
    return json_response({})


routes = [
    Route("/api/v1/media", create, methods=["POST"]),
    Route("/api/v2/media", create, methods=["POST"]),
    Route("/api/v1/media/{id}", show, methods=["GET"]),
    Route("/api/v1/media/{id}", update, methods=["PUT"]),
    Route("/api/v1/media/{id}", destroy, methods=["DELETE"]),
]

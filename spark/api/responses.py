"""JSON responses and Mastodon-style errors."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from spark.domain.errors import RateLimited, SparkError


class JSONResponse(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(content: Any, status: int = 200, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def error_response(status: int, message: str, details: dict | None = None, headers: dict | None = None):
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


async def spark_error_handler(_request, exc: SparkError) -> Response:
    headers = dict(getattr(exc, "headers", None) or {})
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(exc.reset_in, 1))
    return error_response(exc.status, exc.message, exc.details, headers)


async def http_error_handler(_request, exc) -> Response:
    messages = {404: "Record not found", 405: "Method not allowed", 413: "Payload too large"}
    return error_response(exc.status_code, exc.detail if exc.detail and exc.status_code not in messages
                          else messages.get(exc.status_code, str(exc.detail)))


async def server_error_handler(_request, _exc) -> Response:
    return error_response(500, "We're sorry, but something went wrong on our end.")

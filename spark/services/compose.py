"""Posting from the web app's compose form: images with their descriptions, then the post, in one step."""

from __future__ import annotations

from dataclasses import replace

from spark.domain.posts import Draft, validate
from spark.runtime import Runtime
from spark.services import media, posting


async def publish_with_images(rt: Runtime, author_id: int, draft: Draft, images: list[tuple[bytes, str]]) -> int:
    """Check the draft, store each (image, alt text), then publish; returns the new post's id.

    The draft is checked first so that a post that is too long does not leave orphaned uploads.
    """
    validate(replace(draft, media_ids=[-(i + 1) for i in range(len(images))]), posting.limits(rt))
    media_ids = []
    for data, description in images:
        row = await media.upload(rt, author_id, data, description=description or None, focus=None)
        media_ids.append(row.id)
    return await posting.publish(rt, author_id, replace(draft, media_ids=media_ids))

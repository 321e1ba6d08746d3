"""Image uploads: verified, re-encoded without metadata, downscaled, thumbnailed and blurhashed.

Processing runs in a worker thread with a time limit so a hostile image cannot stall the server.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import blurhash
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select, update

from spark.adapters.db import schema as t
from spark.domain.errors import Invalid, NotFound
from spark.domain.ids import new_id
from spark.runtime import Runtime

FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp"),
           "GIF": ("png", "image/png")}  # animated GIFs keep their first frame, as a PNG
THUMBNAIL = (640, 640)
PROCESS_SECONDS = 20
MAX_DESCRIPTION = 1500


@dataclass(frozen=True)
class Processed:
    original: bytes
    extension: str
    thumbnail: bytes
    width: int
    height: int
    small_width: int
    small_height: int
    blurhash: str


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def process_image(data: bytes, *, max_pixels: int, fit: tuple[int, int] | None = None) -> Processed:
    """Decode, check and re-encode an image; the output carries no EXIF, GPS or text metadata."""
    Image.MAX_IMAGE_PIXELS = max_pixels * 2
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in FORMATS:
                raise Invalid("Validation failed: File content type is invalid (use JPEG, PNG, GIF or WebP)")
            if probe.width * probe.height > max_pixels * 2:
                raise Invalid("Validation failed: Image dimensions are too large")
            probe.seek(0)
            image = ImageOps.exif_transpose(probe.copy()) or probe.copy()
    except Image.DecompressionBombError:
        raise Invalid("Validation failed: Image dimensions are too large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid("Validation failed: File content type is invalid or the image is corrupt") from None
    out_fmt = "PNG" if fmt == "GIF" else fmt
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "PA") else "RGB")
    if fit is not None:
        image = ImageOps.fit(image, fit, Image.Resampling.LANCZOS)
    elif image.width * image.height > max_pixels:
        scale = (max_pixels / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             Image.Resampling.LANCZOS)
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a fresh image: no info dict, no EXIF, no ICC text
    small = clean.copy()
    small.thumbnail(THUMBNAIL, Image.Resampling.LANCZOS)
    tiny = clean.convert("RGB").copy()
    tiny.thumbnail((64, 64))
    return Processed(
        original=_encode(clean, out_fmt), extension=FORMATS[fmt][0], thumbnail=_encode(small, out_fmt),
        width=clean.width, height=clean.height, small_width=small.width, small_height=small.height,
        blurhash=blurhash.encode(tiny, x_components=4, y_components=3))


async def process_in_thread(rt: Runtime, data: bytes, *, fit: tuple[int, int] | None = None) -> Processed:
    if len(data) > rt.settings.max_image_bytes:
        raise Invalid(f"Validation failed: File size must be less than {rt.settings.max_image_bytes // 1048576} MB")
    if not data:
        raise Invalid("Validation failed: File can't be blank")
    try:
        return await asyncio.wait_for(asyncio.to_thread(process_image, data, max_pixels=rt.settings.max_image_pixels,
                                                        fit=fit), PROCESS_SECONDS)
    except TimeoutError:
        raise Invalid("Validation failed: the image took too long to process") from None


def parse_focus(value: str | None) -> tuple[int, int]:
    """Mastodon's focus "x,y" with both in -1..1, stored as thousandths."""
    if not value:
        return 0, 0
    try:
        x, y = (float(part) for part in value.split(","))
    except ValueError:
        raise Invalid("Validation failed: focus must be two numbers, x,y") from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):
        raise Invalid("Validation failed: focus must be between -1 and 1")
    return round(x * 1000), round(y * 1000)


def _check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise Invalid(f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return description


async def upload(rt: Runtime, account_id: int, data: bytes, *, description: str | None, focus: str | None):
    """Store an uploaded image for a later post; returns the media row."""
    description = _check_description(description)
    focus_x, focus_y = parse_focus(focus)
    processed = await process_in_thread(rt, data)
    file_key = rt.media.new_key(processed.extension)
    thumb_key = rt.media.new_key(processed.extension)
    rt.media.put(file_key, processed.original)
    rt.media.put(thumb_key, processed.thumbnail)
    meta = {
        "original": {"width": processed.width, "height": processed.height,
                     "size": f"{processed.width}x{processed.height}",
                     "aspect": round(processed.width / processed.height, 6)},
        "small": {"width": processed.small_width, "height": processed.small_height,
                  "size": f"{processed.small_width}x{processed.small_height}",
                  "aspect": round(processed.small_width / processed.small_height, 6)},
    }
    media_id = new_id()
    async with rt.db.write() as conn:
        await conn.execute(t.media_attachments.insert().values(
            id=media_id, account_id=account_id, type="image", file_key=file_key, thumbnail_key=thumb_key,
            description=description, blurhash=processed.blurhash, focus_x=focus_x, focus_y=focus_y, meta=meta,
            created_at=datetime.now(UTC)))
    return await get_own(rt, account_id, media_id)


async def get_own(rt: Runtime, account_id: int, media_id: int | None):
    """A media row owned by the account; anyone else's is NotFound."""
    async with rt.db.read() as conn:
        row = (await conn.execute(select(t.media_attachments).where(
            t.media_attachments.c.id == media_id, t.media_attachments.c.account_id == account_id))).first()
    if row is None:
        raise NotFound()
    return row


async def describe(rt: Runtime, account_id: int, media_id: int | None, *, description: str | None,
                   focus: str | None):
    """Change an upload before it is posted (as Mastodon: once attached, only an edit of the post changes it)."""
    row = await get_own(rt, account_id, media_id)
    if row.status_id is not None:
        raise NotFound()
    values = {}
    if description is not None:
        values["description"] = _check_description(description)
    if focus is not None:
        values["focus_x"], values["focus_y"] = parse_focus(focus)
    if values:
        async with rt.db.write() as conn:
            await conn.execute(update(t.media_attachments).where(t.media_attachments.c.id == row.id).values(**values))
    return await get_own(rt, account_id, row.id)


async def delete_unattached(rt: Runtime, account_id: int, media_id: int | None) -> None:
    """Delete an upload and its files before it is posted; once attached, the post owns it (422, as Mastodon)."""
    async with rt.db.write() as conn:
        row = (await conn.execute(select(t.media_attachments).where(
            t.media_attachments.c.id == media_id, t.media_attachments.c.account_id == account_id))).first()
        if row is None:
            raise NotFound()
        if row.status_id is not None:
            raise Invalid("Media attachment is currently used by a status")
        await conn.execute(delete(t.media_attachments).where(t.media_attachments.c.id == row.id))
    for key in (row.file_key, row.thumbnail_key):
        if key:
            rt.media.delete(key)

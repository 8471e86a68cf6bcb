"""Customer photos: checked by their content (never their name or header), re-encoded without metadata (so no
GPS position leaves the customer's phone through us), stored under a random name, served only to the case."""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CasePhoto
from db.repositories.photos import case_photo, case_photos
from domain.errors import InvalidInput, NotFound

pillow_heif.register_heif_opener()  # iPhones send HEIC; Pillow reads it once the opener is registered

# Formats as Pillow identifies them from the bytes -> how we store them (HEIC becomes JPEG: browsers can't show it).
ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "JPEG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; anything larger is a decompression bomb to us
MAX_EDGE = 2560  # enough to see a scratch; keeps storage and page weight sane


@dataclass(frozen=True)
class CleanPhoto:
    """A photo after checking and re-encoding: these bytes are all we ever keep."""

    data: bytes
    content_type: str
    width: int
    height: int


class PhotoRejected(InvalidInput):
    """Not a photo we accept; `why` is not_an_image | too_large | too_many (pages word it for people)."""

    def __init__(self, why: str) -> None:
        super().__init__(f"photo refused: {why.replace('_', ' ')}", code="photo_rejected", fields={"photos": why})
        self.why = why


NOT_AN_IMAGE, TOO_LARGE, TOO_MANY = "not_an_image", "too_large", "too_many"


def clean(raw: bytes, *, max_bytes: int) -> CleanPhoto:
    """Check `raw` by content and re-encode it; PhotoRejected when it is too large or not a real image."""
    if len(raw) > max_bytes:
        raise PhotoRejected(TOO_LARGE)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its pixel limit; treat that as the bomb it may be.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                kind = probe.format or ""
                if kind not in ACCEPTED or probe.width * probe.height > MAX_PIXELS:
                    raise PhotoRejected(NOT_AN_IMAGE)
                probe.load()  # decodes every byte: a truncated or forged body fails here
                image = ImageOps.exif_transpose(probe)  # keep the orientation the EXIF we drop described
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError):
        raise PhotoRejected(NOT_AN_IMAGE) from None
    return _encode(image, ACCEPTED[kind])


def _encode(image: Image.Image, fmt: str) -> CleanPhoto:
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # No exif=, no icc_profile=, no pnginfo: the new file carries pixels only.
    image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    return CleanPhoto(out.getvalue(), CONTENT_TYPES[fmt], image.width, image.height)


def clean_all(files: list[bytes], *, max_bytes: int, max_count: int, already: int = 0) -> list[CleanPhoto]:
    """Every photo of one submission, or PhotoRejected for the first bad one (then none is kept)."""
    if len(files) + already > max_count:
        raise PhotoRejected(TOO_MANY)
    return [clean(raw, max_bytes=max_bytes) for raw in files]


def _path(upload_dir: Path, key: str) -> Path:
    # Keys are ours (token_urlsafe: letters, digits, - and _), so a key can never climb out of the folder.
    if not key or not all(c.isalnum() or c in "-_" for c in key):
        raise NotFound("no such photo", code="photo_not_found")
    return upload_dir / key


def store(
    session: AsyncSession, upload_dir: Path, case_id: int, photos: list[CleanPhoto], *, uploaded_by: str,
    purpose: str = "request", line_id: str | None = None,
) -> list[Path]:  # fmt: skip
    """Write the files and add their rows (the caller commits); returns the files written, to remove on rollback."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for photo in photos:
        key = secrets.token_urlsafe(24)
        path = _path(upload_dir, key)
        path.write_bytes(photo.data)
        written.append(path)
        session.add(
            CasePhoto(
                case_id=case_id,
                storage_key=key,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size_bytes=len(photo.data),
                sha256=hashlib.sha256(photo.data).hexdigest(),
                uploaded_by=uploaded_by,
                purpose=purpose,
                line_id=line_id,
            )
        )
    return written


def discard(paths: list[Path]) -> None:
    """Remove files whose rows did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)


async def list_photos(session: AsyncSession, case_id: int, *, purpose: str | None = None) -> list[CasePhoto]:
    """The case's photos, or only those taken for `purpose` (the customer's "request", staff's "inspection")."""
    return [p for p in await case_photos(session, case_id) if purpose is None or p.purpose == purpose]


async def photo_file(session: AsyncSession, upload_dir: Path, case_id: int, photo_id: int) -> tuple[Path, str]:
    """The stored file and its content type, for whoever may read the case (customer portal, agent workspace)."""
    photo = await case_photo(session, case_id, photo_id)
    if photo is None:
        raise NotFound("no such photo", code="photo_not_found")
    path = _path(upload_dir, photo.storage_key)
    if not path.is_file():
        raise NotFound("no such photo", code="photo_not_found")
    return path, photo.content_type

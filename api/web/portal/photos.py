"""Photos posted with a return: read (never more than the limit), checked and cleaned by services.photos;
and served back only to the browser that may see the case."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.deps import ResourcesDep, RowId, SessionDep
from api.web import i18n
from api.web.forms import Form
from api.web.i18n import N_
from api.web.portal.access import CustomerCase
from core.settings import Settings
from services import photos

router = APIRouter(include_in_schema=False)
MESSAGES = {
    photos.NOT_AN_IMAGE: N_("This file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image."),
    photos.TOO_LARGE: N_("This photo is too large. Please send one smaller than %(size)s MB."),
    photos.TOO_MANY: N_("You can send at most %(count)s photos."),
}


async def read_photos(
    form: Form, settings: Settings, field: str = "photos", *, already: int = 0
) -> list[photos.CleanPhoto] | None:
    """The photos posted in `field`, cleaned; None (with the reason on that field) when one is refused. `already`
    counts photos taken earlier in the same form, against the same limit."""
    raw: list[bytes] = []
    for upload in form.files(field):
        raw.append(await upload.read(settings.max_photo_bytes + 1))  # never more than one byte past the limit
    try:
        return photos.clean_all(raw, max_bytes=settings.max_photo_bytes, max_count=settings.max_photos, already=already)
    except photos.PhotoRejected as refused:
        size = settings.max_photo_bytes // 1_000_000
        text = i18n.gettext(MESSAGES[refused.why]) % {"size": size, "count": settings.max_photos}
        form.errors.setdefault(field, text)
        return None


def photos_body_bytes(settings: Settings) -> int:
    """Room for every photo one form may carry and the form around them."""
    return settings.max_photos * settings.max_photo_bytes + 1_000_000


def body_limits(settings: Settings) -> dict[str, int]:
    """The confirm step carries the photos."""
    return {"/returns/confirm": photos_body_bytes(settings)}


@router.get("/returns/{number}/photos/{photo_id}")
async def photo(case: CustomerCase, photo_id: RowId, session: SessionDep, resources: ResourcesDep) -> FileResponse:
    """One photo of the case, as we re-encoded it."""
    path, content_type = await photos.photo_file(session, resources.settings.upload_dir, case.id, photo_id)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})

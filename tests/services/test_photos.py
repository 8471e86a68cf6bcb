"""Customer photos are judged by their bytes, re-encoded without metadata, and bombs are refused."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from services import photos

LIMIT = 8_000_000


def encoded(fmt: str, size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format=fmt, **save)
    return out.getvalue()


def with_gps(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {2: (31.0, 14.0, 0.0), 4: (121.0, 28.0, 0.0)}  # GPSInfo: latitude, longitude
    exif[0x0112] = 6  # orientation: rotated 90°
    return encoded(fmt, (40, 30), exif=exif.tobytes())


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_location_and_all_exif_are_gone_but_the_orientation_is_kept(fmt: str):
    raw = with_gps(fmt)
    assert Image.open(io.BytesIO(raw)).getexif()
    clean = photos.clean(raw, max_bytes=LIMIT)
    image = Image.open(io.BytesIO(clean.data))
    assert not image.getexif() and "exif" not in image.info
    assert (clean.width, clean.height) == (30, 40)  # turned upright before the EXIF went


@pytest.mark.parametrize(("fmt", "stored"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")])
def test_common_formats_are_accepted_by_content(fmt: str, stored: str):
    assert photos.clean(encoded(fmt), max_bytes=LIMIT).content_type == stored


def test_heic_from_a_phone_becomes_a_jpeg():
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 64), (1, 2, 3))).save(out, format="HEIF")
    assert photos.clean(out.getvalue(), max_bytes=LIMIT).content_type == "image/jpeg"


@pytest.mark.parametrize(
    "raw",
    [
        b"GIF89a not even a real gif",
        b"just text",
        b"\xff\xd8\xff\xe0" + encoded("PNG"),  # a JPEG header on a PNG body
        encoded("JPEG")[:200],  # truncated
        encoded("GIF"),  # a real image, in a format we don't take
    ],
)
def test_forged_truncated_or_unwanted_files_are_refused(raw: bytes):
    with pytest.raises(photos.PhotoRejected) as refused:
        photos.clean(raw, max_bytes=LIMIT)
    assert refused.value.why == photos.NOT_AN_IMAGE


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = encoded("PNG", (10_000, 10_000))  # 100 megapixels in a few hundred kilobytes
    assert len(bomb) < LIMIT
    with pytest.raises(photos.PhotoRejected):
        photos.clean(bomb, max_bytes=LIMIT)


def test_size_and_count_limits():
    with pytest.raises(photos.PhotoRejected) as big:
        photos.clean(b"x" * 11, max_bytes=10)
    assert big.value.why == photos.TOO_LARGE
    with pytest.raises(photos.PhotoRejected) as many:
        photos.clean_all([encoded("PNG")] * 3, max_bytes=LIMIT, max_count=2)
    assert many.value.why == photos.TOO_MANY

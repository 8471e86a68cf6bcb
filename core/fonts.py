"""A CJK-capable font for PDFs (labels, customs invoices): Chinese names and addresses must print, not vanish."""

from __future__ import annotations

from pathlib import Path

# (path, face index in a collection or None for the caller's choice), most complete first.
FONT_CANDIDATES: tuple[tuple[str, int | None], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", None),  # Debian fonts-noto-cjk
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)
NOTO_FACES = {"zh-Hans": 2, "zh-Hant": 3, "en": 2}  # SC and TC faces of the Noto CJK collection


class FontMissing(RuntimeError):
    """No CJK-capable font on this machine: Chinese text could not be printed."""


def find_font(path: Path | None, index: int) -> tuple[str, int]:
    """The font file and face to embed: `path` when given, else the first CJK font installed."""
    if path is not None:
        if not path.is_file():
            raise FontMissing(f"font {path} does not exist")
        return str(path), index
    for candidate, face in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate, index if face is None else face
    raise FontMissing("no CJK font found; install the Debian package fonts-noto-cjk")

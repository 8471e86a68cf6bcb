"""CSV exports for spreadsheets: rows as text lines (streamed), amounts in major units, and text made inert."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence

from domain.money import Money


class _Lines:
    def __init__(self) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def __call__(self, row: Sequence[object]) -> str:
        self._writer.writerow(row)
        text = self._out.getvalue()
        self._out.seek(0)
        self._out.truncate()
        return text


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV line, so a response can stream them."""
    line = _Lines()
    for row in rows:
        yield line(row)


async def csv_lines_async(rows: AsyncIterable[Sequence[object]]) -> AsyncIterator[str]:
    line = _Lines()
    async for row in rows:
        yield line(row)


def major_units(minor: int | None, currency: str | None) -> str:
    return "" if minor is None or currency is None else f"{Money(minor, currency).to_decimal():f}"


def inert_text(text: str | None) -> str:
    """Text from a file or a person, made inert for spreadsheets that would run a leading = + - @ as a formula."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

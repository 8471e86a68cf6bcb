"""Streams a settlement report file into typed rows: UTF-8 only, size-capped, every error naming its line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import islice
from typing import IO

from domain.errors import InvalidInput
from domain.settlement import Batch, RowParser
from domain.settlement_batch import parse_batch

DEFAULT_MAX_BYTES = 50_000_000
_CHUNK = 1 << 16


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_settlement_report", fields={"file": message})


class _Guard(io.BufferedIOBase):
    """Counts the bytes (refusing past the cap, so memory and time stay bounded) and the newlines read so far."""

    def __init__(self, stream: IO[bytes], max_bytes: int | None) -> None:
        super().__init__()
        self._stream, self._max = stream, max_bytes
        self.bytes_read = 0
        self.lines_before_last = 0  # newlines before the latest chunk: locates a decoding error exactly
        self._last = b""

    @property
    def name(self) -> str:
        return "settlement report"

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._stream.read(_CHUNK if size is None or size < 0 else size)
        self.lines_before_last += self._last.count(b"\n")
        self._last = chunk
        self.bytes_read += len(chunk)
        if self._max is not None and self.bytes_read > self._max:
            line = self._line_at(len(chunk) - (self.bytes_read - self._max))
            raise _invalid(f"line {line}: the file is larger than {self._max:,} bytes; split the period")
        nul = chunk.find(b"\x00")
        if nul >= 0:  # NUL is no CSV text (UTF-16 is full of them), and PostgreSQL refuses it in any string
            raise _invalid(
                f"line {self._line_at(nul)}: NUL bytes, so not UTF-8 text (UTF-16?); export the report as UTF-8 CSV"
            )
        return chunk

    def _line_at(self, offset: int) -> int:
        return self.lines_before_last + self._last.count(b"\n", 0, offset) + 1

    def close(self) -> None:
        pass  # the caller owns the stream (an upload, an open file): closing it is theirs to do


def _remaining(stream: IO[bytes]) -> int | None:
    """Bytes left in a seekable stream (an upload spooled to disk, a local file); None when it cannot tell."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return None
    return end - here


class SettlementFile:
    """One pass over an uploaded or local report; `bytes_read` tells a progress bar how far it got."""

    def __init__(self, stream: IO[bytes], *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> None:
        size = _remaining(stream)
        if max_bytes is not None and size is not None and size > max_bytes:  # known at once: no need to read it
            raise _invalid(f"the file is {size:,} bytes, more than the {max_bytes:,} allowed; split the period")
        self._guard = _Guard(stream, max_bytes)

    @property
    def bytes_read(self) -> int:
        return self._guard.bytes_read

    def batches(self, size: int = 2000) -> Iterator[Batch]:
        """The report's rows in file order, `size` at a time; raises InvalidInput for the first malformed line."""
        text = io.TextIOWrapper(self._guard, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise _invalid("line 1: the file is empty; a settlement report starts with its header line")
            parser = RowParser(header)
            while True:
                first = reader.line_num + 1
                chunk = list(islice(reader, size))
                if not chunk:
                    return
                yield parse_batch(parser, chunk, first, reader.line_num)
        except UnicodeDecodeError as err:
            # the decoder's input is the latest chunk (plus at most a partial character, never a newline)
            line = self._guard.lines_before_last + err.object.count(b"\n", 0, err.start) + 1
            raise _invalid(f"line {line}: the file is not UTF-8 text; export the report as UTF-8 CSV") from None
        except csv.Error as err:
            raise _invalid(f"line {reader.line_num}: {err}") from None
        finally:
            text.detach()

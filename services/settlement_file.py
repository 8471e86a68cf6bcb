"""Streams a settlement report file into typed rows: UTF-8 only, size-capped, every error naming its line."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import IO

from domain.errors import InvalidInput
from domain.settlement import Batch, RowParser
from domain.settlement_batch import parse_batch, parse_fields

DEFAULT_MAX_BYTES = 50_000_000
_CHUNK = 1 << 16
_EMPTY = "line 1: the file is empty; a settlement report starts with its header line"
_NOT_SHAPE = bytes(b for b in range(256) if b not in b",\n")  # deleted, a line leaves its commas and newline


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_settlement_report", fields={"file": message})


class _Guard:
    """Reads the stream a chunk at a time, counting bytes and newlines. Past the cap (so memory and time stay
    bounded) or at a NUL byte it hands over what came before and keeps the failure, to be raised once the lines
    before it have been read: the report's first error is the one named, whatever the chunk size."""

    def __init__(self, stream: IO[bytes], max_bytes: int | None) -> None:
        self._stream, self._max = stream, max_bytes
        self.bytes_read = 0
        self.lines_before_last = 0  # newlines before the latest chunk: locates a decoding error exactly
        self._last = b""
        self.failure: InvalidInput | None = None
        self.failure_line = 0

    def read(self) -> bytes:
        if self.failure is not None:
            return b""
        chunk = self._stream.read(_CHUNK)
        self.lines_before_last += self._last.count(b"\n")
        self.bytes_read += len(chunk)
        cut = len(chunk)
        if self._max is not None and self.bytes_read > self._max:
            cut = len(chunk) - (self.bytes_read - self._max)
            self._fail(chunk, cut, f"the file is larger than {self._max:,} bytes; split the period")
        nul = chunk.find(b"\x00", 0, cut)
        # NUL is no CSV text (UTF-16 is full of them), and PostgreSQL refuses it in any string
        if nul >= 0 and (self.failure is None or chunk.count(b"\n", nul, cut)):  # on the cap's line, the cap
            cut = nul
            self._fail(chunk, cut, "NUL bytes, so not UTF-8 text (UTF-16?); export the report as UTF-8 CSV")
        self._last = chunk[:cut]
        return self._last

    def _fail(self, chunk: bytes, offset: int, message: str) -> None:
        self.failure_line = self.lines_before_last + chunk.count(b"\n", 0, offset) + 1
        self.failure = _invalid(f"line {self.failure_line}: {message}")


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


def _unquoted(text: str) -> str | None:
    """Whole lines ending in "\\n" with no quoting and no other line break (CRLF becomes LF: the csv module reads
    both alike), or None when only the csv module itself may read them."""
    if '"' in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    return text


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
        """The report's rows in file order (`size` at a time where the csv module reads them; whole chunks of
        unquoted lines go at once); raises InvalidInput for the first malformed line."""
        texts = self._texts()
        first = next(texts, None)
        if first is None:
            raise self._guard.failure or _invalid(_EMPTY)
        parser: RowParser | None = None
        line = 1  # of the text's first line
        for text in chain([first], texts):
            plain = _unquoted(text)
            if plain is None:  # quoted fields may hold newlines: from here on the csv module reads every record
                yield from _csv_batches(parser, chain([text], texts), line - 1, size, self._guard)
                return
            if parser is None:
                end = plain.find("\n") + 1 or len(plain)
                parser = RowParser(next(csv.reader([plain[:end]]), []))
                plain, line = plain[end:], 2
            if plain:
                yield from _unquoted_batches(parser, plain, line, size)
                line += plain.count("\n") + (not plain.endswith("\n"))
        if self._guard.failure is not None:
            raise self._guard.failure

    def _texts(self) -> Iterator[str]:
        """The decoded report in runs of whole lines (the last one may lack its newline). A decoding error, or the
        guard's failure, ends it: the caller reads the lines before, then raises `self._guard.failure`."""
        guard = self._guard
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        carry: list[str] = []  # a line begun in earlier chunks
        while True:
            chunk = guard.read()
            try:
                text = decoder.decode(chunk, final=not chunk and guard.failure is None)
            except UnicodeDecodeError as err:
                # the decoder's input is the latest chunk (plus at most a partial character, never a newline)
                line = guard.lines_before_last + err.object.count(b"\n", 0, err.start) + 1
                if guard.failure is None or line < guard.failure_line:
                    message = f"line {line}: the file is not UTF-8 text; export the report as UTF-8 CSV"
                    guard.failure, guard.failure_line = _invalid(message), line
                text, chunk = err.object[: err.start].decode("utf-8"), b""
            end = text.rfind("\n") + 1
            if end:
                yield "".join([*carry, text[:end]])
                carry.clear()
            if end < len(text):
                carry.append(text[end:])
            if not chunk:
                if carry and guard.failure is None:
                    yield "".join(carry)
                return


def _unquoted_batches(parser: RowParser, text: str, first_line: int, size: int) -> Iterator[Batch]:
    """Unquoted lines: split on commas and newlines at once when every line has the header's width."""
    body = text[:-1] if text.endswith("\n") else text
    shape = b"," * (parser.width - 1) + b"\n"
    if len(body) < csv.field_size_limit() and (body + "\n").encode().translate(None, _NOT_SHAPE) == shape * (
        body.count("\n") + 1
    ):
        yield parse_fields(parser, body.replace("\n", ",").split(","), first_line)
    else:  # blank lines, a wrong field count, a field too long: the csv module's word on them, line by line
        yield from _csv_batches(parser, [text], first_line - 1, size, None)


def _csv_batches(
    parser: RowParser | None, texts: Iterable[str], lines_before: int, size: int, guard: _Guard | None
) -> Iterator[Batch]:
    """The records of these runs of lines read by the csv module, numbered after `lines_before` lines; the header
    first unless a parser is given. The guard's failure, if any, comes after every record before it."""
    ended = False

    def lines() -> Iterator[str]:
        nonlocal ended
        for text in texts:
            yield from io.StringIO(text, newline="")  # splits lines exactly as the file would be
        ended = True

    reader = csv.reader(lines(), strict=True)
    try:
        if parser is None:
            header = next(reader, None)
            if header is None:
                raise (guard and guard.failure) or _invalid(_EMPTY)
            parser = RowParser(header)
        while True:
            first = lines_before + reader.line_num + 1
            chunk = list(islice(reader, size))
            if not chunk:
                break
            yield parse_batch(parser, chunk, first, lines_before + reader.line_num)
    except csv.Error as err:
        if ended and guard is not None and guard.failure is not None:
            raise guard.failure from None  # the record ran into the bytes that stopped the reading
        raise _invalid(f"line {lines_before + reader.line_num}: {err}") from None
    if guard is not None and guard.failure is not None:
        raise guard.failure

"""Log lines as a process writes them with REBOUND_LOG_FORMAT=json, captured for a test to read."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.logging import JsonFormatter, temporal_details_in_message


class JsonLines:
    def __init__(self) -> None:
        self.out = io.StringIO()

    def lines(self, logger: str | None = None) -> list[dict[str, Any]]:
        """Every line so far, or only those of `logger`."""
        found = [json.loads(line) for line in self.out.getvalue().splitlines()]
        return [line for line in found if logger is None or line["logger"] == logger]


@contextmanager
def json_lines() -> Iterator[JsonLines]:
    """Everything logged at INFO and above inside, formatted when it is logged (as the real handler does)."""
    captured = JsonLines()
    handler = logging.StreamHandler(captured.out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    temporal_details_in_message(False)
    try:
        yield captured
    finally:
        temporal_details_in_message(True)
        root.removeHandler(handler)
        root.setLevel(level)

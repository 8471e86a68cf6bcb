"""A merchant's own policy for one test: the default policy file with some rules changed, written to a temp dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.settings import Settings


def with_policy(settings: Settings, folder: Path, version: str, **default_rules: Any) -> Settings:
    """`settings` using a copy of its policy whose default market rules have `default_rules` replaced."""
    policy = json.loads(settings.policy_file.read_text())
    policy["version"] += f"-{version}"
    policy["default"].update(default_rules)
    path = folder / "policy.json"
    path.write_text(json.dumps(policy))
    return settings.model_copy(update={"policy_file": path})

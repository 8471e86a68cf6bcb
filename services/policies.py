"""The merchant's policy document: loaded from its data file and validated once at start-up."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from domain.policy import MerchantPolicy


class PolicyFileError(RuntimeError):
    pass


def load_policy(path: Path) -> MerchantPolicy:
    """Read and validate the policy file; a broken file stops start-up with the reason, never a half policy."""
    try:
        return MerchantPolicy.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise PolicyFileError(f"policy file {path} does not exist") from None
    except (json.JSONDecodeError, ValidationError) as err:
        raise PolicyFileError(f"policy file {path} is invalid: {err}") from None

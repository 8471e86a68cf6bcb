"""Settings of the simulated partners; built by the caller (CLI or a test), never read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PARTNERS = ("carrier", "payments", "insurer", "customs", "repair")


def _demo_secrets() -> dict[str, str]:
    # Same values as core.settings' demo defaults, so a bare `rebound dev` verifies out of the box.
    return {p: f"demo-only-{p}-webhook-secret" for p in PARTNERS}


@dataclass
class SandboxConfig:
    rebound_base_url: str = "http://127.0.0.1:8000"
    secrets: dict[str, str] = field(default_factory=_demo_secrets)
    state_path: Path | None = None  # SQLite file; None keeps everything in memory
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025  # 0: no SMTP sink
    seed: int | None = None  # fault dice; a fixed seed replays the same faults
    webhook_delay_ms: int = 50  # providers never call back synchronously
    webhook_retry_base_ms: int = 1000  # first retry delay, doubled per attempt
    webhook_retry_max_ms: int = 60_000
    webhook_max_attempts: int = 8
    webhook_concurrency: int = 16  # deliveries in flight at once; each subject's events stay in order
    webhook_timeout_s: float = 5.0
    label_font_path: Path | None = None  # None: first CJK font found among the usual Debian paths
    customs_auto_decide_s: float | None = 30.0  # the broker clears by itself after this long; None: only on request
    insurer_auto_decide_s: float | None = 60.0  # the insurer approves by itself after this long; None: on request
    repair_auto_decide_s: float | None = 30.0  # the repair centre repairs by itself after this long; None: on request
    default_stock: int = 100  # on hand for an SKU the warehouse was never told about, so demos need no setup
    label_font_index: int = 2  # face in a .ttc collection; 2 is Simplified Chinese in Noto CJK

    def __post_init__(self) -> None:
        missing = [p for p in ("carrier", "payments") if not self.secrets.get(p)]
        if missing:  # an unsigned webhook would be refused by Rebound anyway; say so at start-up
            raise ValueError(f"SandboxConfig.secrets lacks a secret for: {', '.join(missing)}")

    def secret(self, partner: str) -> str:
        return self.secrets[partner]

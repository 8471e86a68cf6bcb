"""One Settings object (prefix REBOUND_), built at start-up and injected; tests build their own."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.rate_limit import RateLimits

ROOT = Path(__file__).resolve().parent.parent

# Demo-only secrets: obvious on sight, refused in production (see _refuse_demo_secrets).
DEMO_MARK = "demo-only-"


def _demo(name: str) -> SecretStr:
    return SecretStr(f"{DEMO_MARK}{name}")


class Warehouse(BaseModel):
    """A receiving warehouse: return labels are addressed to it."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    phone: str | None = None


DEFAULT_WAREHOUSES = {
    "CN": Warehouse(
        name="Rebound Returns CN", line1="88 Jinke Rd, Pudong", city="Shanghai", postal_code="201203", country="CN"
    ),
    "DE": Warehouse(
        name="Rebound Returns EU", line1="Am Windhukkai 2", city="Hamburg", postal_code="20457", country="DE"
    ),
    "US": Warehouse(
        name="Rebound Returns US", line1="1200 E Carson St", city="Carson", postal_code="90745", country="US"
    ),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REBOUND_", env_nested_delimiter="__", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = ROOT / "var"
    database_url: str = ""  # empty: SQLite file var/rebound.db

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "rebound"
    temporal_ui_port: int = 8233
    temporal_tls: bool = False
    temporal_api_key: SecretStr | None = None

    # Observability (README "Observability"): JSON log lines carrying the case number, OpenTelemetry traces
    # through API, workflow and activity, and the worker's Prometheus endpoint (Temporal SDK metrics and ours).
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    trace_exporter: Literal["none", "console"] = "none"
    worker_metrics_address: str = ""  # e.g. 0.0.0.0:9464; empty: the worker serves no metrics

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    public_base_url: str = ""  # empty: http://{api_host}:{api_port}
    sandbox_port: int = 8001
    sandbox_url: str = ""  # empty: http://127.0.0.1:{sandbox_port}
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_sender: str = "returns@rebound.example"
    admin_email: str = "ops@rebound.example"  # told when a merchant webhook endpoint keeps failing
    supervisor_email: str = ""  # told when a case breaches an SLA; empty: admin_email (staff have no addresses)

    webhook_timeout_s: float = 5.0  # a slow or hanging receiver is cut off after this long
    webhook_disable_after: int = 5  # deliveries given up in a row before the endpoint is switched off
    webhook_secret_overlap_s: int = 24 * 3600  # a rotated-out secret keeps signing this long
    webhook_relay_interval_s: float = 1.0

    partner_secrets: dict[str, SecretStr] = Field(
        default_factory=lambda: {
            p: _demo(f"{p}-webhook-secret") for p in ("carrier", "payments", "insurer", "customs", "repair")
        }
    )
    # While a partner's secret is rotated, the one being replaced (set here) is still accepted; remove it once the
    # partner signs with the new one.
    partner_secrets_previous: dict[str, SecretStr] = {}
    webhook_tolerance_s: int = 300
    payload_key: SecretStr = _demo("payload-key-0123456789abcdef")  # encrypts Temporal payloads (AES-256-GCM)
    payload_keys_previous: list[SecretStr] = []  # still decrypt payloads written before a key rotation
    session_secret: SecretStr = _demo("session-secret")
    # Cookies carry `Secure` when pages are served over HTTPS (always in production); plain-HTTP dev and tests
    # could not send them back otherwise.
    cookie_secure: bool | None = None
    session_max_age_s: int = 8 * 3600
    display_timezone: str = "Asia/Shanghai"  # where pages and mails show times (stored times are UTC)
    rate_limits: RateLimits = RateLimits()  # per process: see README "Rate limits"
    # Personal data of cases closed longer than this is redacted by `rebound redact` (PIPL / GDPR storage limits);
    # ledger and audit rows keep what accounting law needs.
    retention_days: int = Field(default=730, ge=1)
    max_photo_bytes: int = 8_000_000  # per customer photo, before re-encoding
    max_photos: int = 5

    bootstrap_api_key: SecretStr | None = None
    bootstrap_password: SecretStr | None = None

    # Case numbers read <prefix>-<year>-<n>; workflow ids derive from them, so deployments sharing one Temporal
    # namespace need distinct prefixes.
    case_prefix: str = Field(default="R", pattern=r"^[A-Z][A-Z0-9]{0,7}$")
    max_body_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000  # settlement reports: a month of a busy shop, still refused past this
    warehouses: dict[str, Warehouse] = Field(default_factory=lambda: dict(DEFAULT_WAREHOUSES))
    default_warehouse: str = "CN"  # markets without a warehouse of their own send returns here (cross-border)
    # Items for repair are sent straight here (repair labels), and come back from here to the customer.
    repair_centre: Warehouse = Warehouse(
        name="Rebound Repair Centre", line1="1 Keji Rd, Nanshan", city="Shenzhen", postal_code="518057", country="CN"
    )
    policy_file: Path = ROOT / "policies" / "default.json"  # the merchant policy document (versioned data)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'rebound.db'}"
        if not self.public_base_url:
            self.public_base_url = f"http://{self.api_host}:{self.api_port}"
        if self.cookie_secure is None:
            self.cookie_secure = self.env == "production" or self.public_base_url.startswith("https://")
        if not self.sandbox_url:
            self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        if self.env == "production":
            self._refuse_demo_secrets()
        return self

    def _refuse_demo_secrets(self) -> None:
        demo = [name for name, value in self._secret_items() if value.startswith(DEMO_MARK)]
        if demo:
            raise ValueError(f"demo secrets are refused when REBOUND_ENV=production: {', '.join(demo)}")

    def _secret_items(self) -> list[tuple[str, str]]:
        items = [
            ("payload_key", self.payload_key.get_secret_value()),
            ("session_secret", self.session_secret.get_secret_value()),
        ]
        items += [(f"partner_secrets.{k}", v.get_secret_value()) for k, v in self.partner_secrets.items()]
        items += [
            (f"partner_secrets_previous.{k}", v.get_secret_value()) for k, v in self.partner_secrets_previous.items()
        ]
        return items

    def warehouse_for(self, country: str) -> Warehouse:
        return self.warehouses.get(country) or self.warehouses[self.default_warehouse]

    def warehouse_country(self, market: str) -> str:
        """The country whose warehouse receives returns from `market`."""
        return self.warehouse_for(market).country

    def partner_secret(self, partner: str) -> str:
        return self.partner_secrets[partner].get_secret_value()

    def partner_secrets_accepted(self, partner: str) -> list[str]:
        """The secrets a webhook from `partner` may be signed with: the current one, and during a rotation the
        previous one."""
        previous = self.partner_secrets_previous.get(partner)
        return [self.partner_secret(partner), *([previous.get_secret_value()] if previous else [])]

    @property
    def upload_dir(self) -> Path:
        """Customer photos: outside any web root, served only through an authorised route."""
        return self.var_dir / "uploads"

    @property
    def temporal_ui_url(self) -> str:
        return f"http://127.0.0.1:{self.temporal_ui_port}/namespaces/{self.temporal_namespace}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(24)

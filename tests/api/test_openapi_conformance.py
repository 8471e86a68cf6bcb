"""schemathesis against /openapi.json, in-process: a few generated requests per operation (all-scopes API key)
must never get a 5xx, and every answer must match what the document declares (status, content type, body)."""

from __future__ import annotations

import contextlib
import itertools
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS
from schemathesis.python import asgi
from temporalio.client import Client

from api.app import create_app
from core.settings import Settings
from services import tokens
from tests.api.authz_support import without_rate_limits

pytestmark = pytest.mark.parametrize("db_template", ["sqlite"], indirect=True)
EXAMPLES = 5
CHECKED = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


def _exercise(operation: Any, auth: dict[str, str], client: Any, failures: list[str]) -> None:
    """A few generated requests to one operation; the first failure is recorded with its reproduction."""
    checks = [CHECKS.get_by_names([name])[0] for name in CHECKED]

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        try:
            case.call_and_validate(session=client, headers=auth, checks=checks)
        except Exception as failed:
            failures.append(f"{case.operation.label}: {str(failed)[:1500]}")
            raise

    with contextlib.suppress(Exception):  # recorded above; the caller goes on with the next operation
        run()


def test_every_operation_answers_as_documented_and_never_5xx(
    settings: Settings, api_key: str, temporal_client: Client
) -> None:
    # The real Temporal server (the app connects on its own loop): /healthz is healthy and a case action reaches
    # the engine, which answers for the generated case numbers that no workflow has.
    address = temporal_client.service_client.config.target_host
    settings = without_rate_limits(settings).model_copy(update={"temporal_address": address})
    app: Any = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # The all-scopes integration key, then an admin's token: staff-only operations (finance, case actions) are
    # exercised past their authorisation too.
    admin = tokens.issue(settings.session_secret.get_secret_value(), "admin", "admin", now=int(time.time()))
    failures: list[str] = []
    with asgi.get_client(app) as client:
        for result, bearer in itertools.product(schema.get_all_operations(), (api_key, admin)):
            _exercise(result.ok(), {"Authorization": f"Bearer {bearer}"}, client, failures)
    assert not failures, "\n\n".join(failures)


async def test_an_absurd_row_id_is_a_clear_422_never_a_driver_error(client: Any) -> None:
    got = await client.get("/api/v1/webhook-endpoints/99999999999999999999/deliveries")
    assert got.status_code == 422 and got.json()["fields"] == {
        "endpoint_id": "Input should be less than or equal to 2147483647"
    }

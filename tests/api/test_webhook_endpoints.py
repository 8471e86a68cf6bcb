"""Managing outbound webhook endpoints over the API: who may, what is refused, the secret shown once."""

from __future__ import annotations

import httpx
import pytest

from services.access import create_api_key, create_staff_user


async def test_register_list_rotate_delete(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/api/v1/webhook-endpoints", json={"url": "https://erp.example/hooks", "events": ["return.created"]}
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and endpoint["events"] == ["return.created"]
    listed = (await client.get("/api/v1/webhook-endpoints")).json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    rotated = await client.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["previous_valid_until"]
    assert (await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries")).json() == []
    assert (await client.delete(f"/api/v1/webhook-endpoints/{endpoint['id']}")).status_code == 204
    assert (await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://erp.example/x", "events": ["*"]}, "url"),
        ({"url": "https://erp.example/x", "events": ["return.exploded"]}, "events"),
        ({"url": "https://erp.example/x", "events": []}, "events"),
    ],
)
async def test_bad_endpoints_are_refused_with_the_field_named(client: httpx.AsyncClient, body, field) -> None:
    got = await client.post("/api/v1/webhook-endpoints", json=body)
    assert got.status_code == 422 and field in got.json()["fields"], got.text
    assert (await client.get("/api/v1/webhook-endpoints")).json() == []


async def test_only_admins_and_keys_with_the_scope_manage_endpoints(client: httpx.AsyncClient, sessionmaker) -> None:
    async with sessionmaker() as s:
        await create_staff_user(s, "agnes", "a long staff password", "agent")
        await create_staff_user(s, "ada", "a long staff password", "admin")
        narrow = await create_api_key(s, "storefront", ["returns:write"])
        await s.commit()

    async def bearer(username: str) -> dict[str, str]:
        got = await client.post("/api/v1/auth/token", json={"username": username, "password": "a long staff password"})
        return {"Authorization": f"Bearer {got.json()['access_token']}"}

    body = {"url": "https://erp.example/hooks", "events": ["*"]}
    assert (await client.post("/api/v1/webhook-endpoints", json=body, headers=await bearer("agnes"))).status_code == 403
    no_scope = {"Authorization": f"Bearer {narrow}"}
    assert (await client.post("/api/v1/webhook-endpoints", json=body, headers=no_scope)).status_code == 403
    assert (await client.post("/api/v1/webhook-endpoints", json=body, headers=await bearer("ada"))).status_code == 201


async def test_resend_of_an_unknown_delivery_is_404(client: httpx.AsyncClient) -> None:
    got = await client.post("/api/v1/webhook-deliveries/999/resend")
    assert got.status_code == 404 and got.json()["error"] == "delivery_not_found"

"""A sandbox gateway on free loopback ports, in a background thread, over a real database
(its own connection: the tests are transactional) and keys minted in the sandbox upstream."""

import httpx
import pytest
from django.conf import settings

from apps.sandbox.gateway.server import gateway_in_thread
from apps.sandbox.upstream.transport import SandboxTransport


@pytest.fixture
def gateway(transactional_db):
    with gateway_in_thread() as running:
        yield running


@pytest.fixture
def reseller_api(transactional_db):
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY}
    with httpx.Client(transport=SandboxTransport(), base_url="https://api.proxies.sx/v1", headers=headers) as client:
        yield client


@pytest.fixture
def sandbox_key(reseller_api):
    def mint(**body) -> dict:
        body.setdefault("label", "customer:alice")
        response = reseller_api.post("/reseller/pool-keys", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    return mint


@pytest.fixture
def proxy_url(gateway):
    """`proxy_url(secret, "mbl-us-sid-alice", protocol="http")` -> the URL a customer copies."""

    def build(secret: str, tokens: str = "", *, protocol: str = "http") -> str:
        port = gateway.ports.http if protocol == "http" else gateway.ports.socks5
        user = settings.PROXIES_SX_USERNAME + (f"-{tokens}" if tokens else "")
        return f"{protocol}://{user}:{secret}@127.0.0.1:{port}"

    return build

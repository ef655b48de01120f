"""What the sandbox gateway refuses, and how: 407 with the upstream check's reason, 502 when no
endpoint matches the username's routing."""

import httpx
import pytest

from apps.sandbox.gateway.server import SandboxGateway
from apps.sandbox.upstream.models import SandboxAuditEvent

pytestmark = pytest.mark.postgres  # the gateway thread needs a database shared across connections


def fetch(proxy: str, gateway) -> httpx.Response:
    with httpx.Client(proxy=proxy, timeout=10) as client:
        return client.get(f"http://127.0.0.1:{gateway.ports.echo}/")


def test_a_wrong_secret_is_407_with_the_upstream_reason(gateway, proxy_url):
    response = fetch(proxy_url("pak_" + "0" * 24), gateway)
    assert response.status_code == 407
    assert response.headers["X-Gateway-Reason"] == "unknown_key"
    assert "regenerated" in response.text
    assert SandboxAuditEvent.objects.filter(action="gateway_auth_failure").exists()


def test_a_regenerated_secret_stops_working(gateway, sandbox_key, reseller_api, proxy_url):
    key = sandbox_key()
    reseller_api.post(f"/reseller/pool-keys/{key['id']}/regenerate", headers={"Idempotency-Key": "regen-test-0001"})
    assert fetch(proxy_url(key["key"]), gateway).status_code == 407


def test_a_disabled_key_is_407_disabled(gateway, sandbox_key, reseller_api, proxy_url):
    key = sandbox_key()
    reseller_api.patch(
        f"/reseller/pool-keys/{key['id']}", json={"enabled": False}, headers={"Idempotency-Key": "disable-test-01"}
    )
    response = fetch(proxy_url(key["key"]), gateway)
    assert (response.status_code, response.headers["X-Gateway-Reason"]) == (407, "disabled")


def test_a_malformed_username_is_refused_naming_the_token(gateway, sandbox_key, proxy_url):
    key = sandbox_key()
    response = fetch(proxy_url(key["key"], "mbl-usa"), gateway)
    assert response.status_code == 407
    assert "usa" in response.text


@pytest.mark.parametrize("tokens", ["mbl-zz", "mbl-br", "mbl-us-carrier-nosuchtelco"])
def test_no_stock_for_the_routing_is_502(gateway, sandbox_key, proxy_url, tokens):
    key = sandbox_key()
    response = fetch(proxy_url(key["key"], tokens), gateway)
    assert (response.status_code, response.headers["X-Gateway-Reason"]) == (502, "no_stock")


def test_socks5_refuses_a_wrong_secret(gateway, proxy_url):
    with pytest.raises(httpx.ProxyError, match="username/password"):
        fetch(proxy_url("pak_" + "1" * 24, protocol="socks5"), gateway)


def test_the_gateway_listens_on_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        SandboxGateway(host="0.0.0.0")

"""The shared client: built once from settings, rebuilt after reset or a settings change."""

import httpx
import pytest
from django.test import override_settings

from apps.proxies.services.client import get_upstream_client, reset_upstream_client
from apps.proxies.upstream.client import PoolGatewayClient

LIVE = {
    "PROXIES_SX_SANDBOX": False,
    "PROXIES_SX_API_KEY": "psx_live_Q7r2T9x4L1m8N3b6V5c0Z2k7",
    "PROXIES_SX_API_URL": "https://api.example.test/v1",
    "PROXIES_SX_CONNECT_TIMEOUT": 2.0,
    "PROXIES_SX_READ_TIMEOUT": 7.0,
    "PROXIES_SX_MAX_ATTEMPTS": 4,
}


@pytest.fixture(autouse=True)
def _fresh_client():
    reset_upstream_client()
    yield
    reset_upstream_client()


@override_settings(**LIVE)
def test_shared_client_is_built_from_settings_once():
    client = get_upstream_client()

    assert isinstance(client, PoolGatewayClient)
    assert get_upstream_client() is client
    assert client.base_url == "https://api.example.test/v1"
    assert client._caller.policy.max_attempts == 4
    assert client._caller._http.timeout == httpx.Timeout(connect=2.0, read=7.0, write=2.0, pool=2.0)
    assert client._caller._http.headers["X-API-Key"] == LIVE["PROXIES_SX_API_KEY"]


@override_settings(**LIVE)
def test_reset_gives_a_new_client():
    first = get_upstream_client()

    reset_upstream_client()

    assert get_upstream_client() is not first


def test_changing_an_upstream_setting_rebuilds_the_client():
    with override_settings(**LIVE):
        first = get_upstream_client()
        with override_settings(PROXIES_SX_MAX_ATTEMPTS=1):
            second = get_upstream_client()
            assert second is not first
            assert second._caller.policy.max_attempts == 1


def test_client_refuses_an_empty_api_key():
    with pytest.raises(ValueError, match="API key"):
        PoolGatewayClient(base_url="https://api.example.test/v1", api_key="")


@pytest.mark.parametrize("attempts", [0, 11])
def test_client_refuses_an_unreasonable_attempt_bound(attempts):
    with pytest.raises(ValueError, match="max_attempts"):
        PoolGatewayClient(base_url="https://api.example.test/v1", api_key="psx_x", max_attempts=attempts)


class StubTransport(httpx.MockTransport):
    def __init__(self) -> None:
        super().__init__(lambda request: httpx.Response(200, json={"stub": True}))


def test_in_sandbox_mode_the_transport_is_the_class_settings_name():
    # Chosen by the services, by dotted path: the upstream client knows nothing of the sandbox.
    with override_settings(PROXIES_SX_SANDBOX=True, PROXIES_SX_SANDBOX_TRANSPORT=f"{__name__}.StubTransport"):
        client = get_upstream_client()

        assert isinstance(client._caller._http._transport, StubTransport)
        assert client._caller._http.headers["X-API-Key"] == "psx_sandbox_local_key"

"""POST /api/v1/keys/{id}/test and GET /api/v1/keys/{id}/tests."""

import pytest

from apps.proxies.models import ProxyTest
from tests.api.conftest import error_of
from tests.proxies.support import mint_key


@pytest.mark.postgres
def test_a_test_through_the_api_runs_and_is_listed(live_gateway, upstream, customer, api):
    key = mint_key(customer)
    started = api.post(f"/api/v1/keys/{key.pk}/test", {"username": "psx_sandbox-mbl-us-sid-api1", "protocol": "socks5"})
    assert started.status_code == 201
    assert started.json()["options"]["sid"] == "api1"
    listed = api.get(f"/api/v1/keys/{key.pk}/tests").json()["data"]
    assert listed[0]["status"] == "passed" and listed[0]["country"] == "US" and listed[0]["via"] == "socks5"
    assert listed[0]["exit_ip"] and listed[0]["round_trip_ms"] is not None


def test_a_malformed_username_answers_the_failed_test(upstream, customer, api):
    key = mint_key(customer)
    body = api.post(f"/api/v1/keys/{key.pk}/test", {"username": "psx_sandbox-mbl-usa"}).json()
    assert (body["status"], body["cause"]) == ("failed", "malformed_username")
    assert "usa" in body["message"]


def test_a_bad_protocol_is_a_400(upstream, customer, api):
    key = mint_key(customer)
    response = api.post(f"/api/v1/keys/{key.pk}/test", {"protocol": "ftp"})
    assert response.status_code == 400
    assert error_of(response)["param"] == "protocol"


def test_tests_are_rate_limited_per_key(upstream, customer, api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proxy_test": "1/10m/user"}
    key = mint_key(customer)
    api.post(f"/api/v1/keys/{key.pk}/test", {"username": "psx_sandbox-mbl-usa"})
    refused = api.post(f"/api/v1/keys/{key.pk}/test", {"username": "psx_sandbox-mbl-usa"})
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "test_rate_limited"


def test_another_customers_key_is_a_404(upstream, customer, other_customer, api):
    key = mint_key(other_customer)
    assert api.post(f"/api/v1/keys/{key.pk}/test", {}).status_code == 404
    assert api.get(f"/api/v1/keys/{key.pk}/tests").status_code == 404
    assert not ProxyTest.objects.exists()

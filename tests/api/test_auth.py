"""API keys on the wire: Bearer only, refused when revoked, expired, of the wrong mode or used
from an address outside the key's allowlist; every refusal of a known key is audited."""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create, api_key_revoke
from apps.core.logging import mask_secrets
from apps.core.models import AuditEntry
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import Api, error_of, make_api_key

ME = "/api/v1/me"


def denied_entries(code: str):
    return AuditEntry.objects.filter(action="api_key.denied", reason=code)


def test_a_key_reaches_the_api_with_the_bearer_header(api, customer):
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == customer.email


def test_no_key_is_a_401_with_the_envelope_and_www_authenticate(anonymous):
    response = anonymous.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    error = error_of(response)
    assert error["type"] == "authentication_required" and error["code"] == "missing_api_key"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token sfk_test_x"])
def test_a_malformed_authorization_header_is_a_401(client, header):
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_authorization_header"


def test_a_logged_in_browser_session_is_not_accepted(client, customer):
    client.force_login(customer)
    response = client.get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "missing_api_key"


def test_an_unknown_key_is_a_401_and_writes_no_audit_entry(client, raw_key):
    forged = raw_key[:-4] + ("AAAA" if not raw_key.endswith("AAAA") else "BBBB")
    response = Api(client, forged).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_api_key"
    assert not AuditEntry.objects.filter(action="api_key.denied").exists()


def test_a_revoked_key_is_a_401_and_the_refusal_is_audited(client, customer):
    key, raw = api_key_create(customer=customer, name="ci", scopes=["read"])
    api_key_revoke(key=key, actor=customer)
    response = Api(client, raw).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_revoked"
    entry = denied_entries("api_key_revoked").get()
    assert entry.customer == customer and entry.target_id == str(key.pk) and entry.ip == "127.0.0.1"


def test_an_expired_key_is_a_401(client, customer):
    key, raw = api_key_create(
        customer=customer, name="ci", scopes=["read"], expires_at=timezone.now() + timedelta(days=1)
    )
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Api(client, raw).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_expired"
    assert denied_entries("api_key_expired").count() == 1


def test_a_test_key_does_not_work_on_a_live_shop(client, customer, settings):
    raw = make_api_key(customer)
    settings.SANDBOX_ACTIVE = False
    response = Api(client, raw).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_wrong_mode"


def test_a_disabled_account_cannot_use_its_keys(client, customer):
    raw = make_api_key(customer)
    customer.is_active = False
    customer.save()
    assert Api(client, raw).get(ME).status_code == 401


def test_keys_look_like_sfk_test_on_a_sandbox_shop_and_sfk_live_otherwise(customer, settings):
    assert re.fullmatch(r"sfk_test_[A-Za-z0-9]{40}", make_api_key(customer))
    settings.SANDBOX_ACTIVE = False
    assert re.fullmatch(r"sfk_live_[A-Za-z0-9]{40}", make_api_key(customer))


def test_only_a_hash_of_the_key_is_stored(customer):
    key, raw = api_key_create(customer=customer, name="ci", scopes=["read"])
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(raw not in str(value) for value in stored.values())
    assert key.hint == f"{raw[:17]}…{raw[-4:]}"


def test_use_is_recorded_with_time_and_address(api, customer):
    api.get(ME, REMOTE_ADDR="198.51.100.7")
    key = ApiKey.objects.get(customer=customer)
    assert key.last_used_ip == "198.51.100.7"
    assert timezone.now() - key.last_used_at < timedelta(minutes=1)


def allowlisted(client, customer, *entries) -> Api:
    return Api(client, make_api_key(customer, ip_allowlist=list(entries)))


@pytest.mark.parametrize("address", ["203.0.113.9", "192.0.2.200", "2001:db8::42"])
def test_the_ip_allowlist_lets_listed_addresses_and_ranges_in(client, customer, address):
    api = allowlisted(client, customer, "203.0.113.9", "192.0.2.0/24", "2001:db8::/32")
    assert api.get(ME, REMOTE_ADDR=address).status_code == 200


def test_a_request_from_outside_the_allowlist_is_a_403_ip_not_allowed(client, customer):
    api = allowlisted(client, customer, "192.0.2.0/24")
    response = api.get(ME, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 403
    error = error_of(response)
    assert error["type"] == "forbidden" and error["code"] == "ip_not_allowed"
    entry = denied_entries("ip_not_allowed").get()
    assert entry.ip == "198.51.100.1" and entry.customer == customer


def test_behind_trusted_proxies_the_allowlist_reads_the_forwarded_client_address(client, customer, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    api = allowlisted(client, customer, "192.0.2.0/24")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert api.get(ME, headers={"X-Forwarded-For": "192.0.2.10"}, **proxy).status_code == 200
    assert api.get(ME, headers={"X-Forwarded-For": "198.51.100.1"}, **proxy).status_code == 403
    # A client cannot prepend an allowed address: only the hop the trusted proxy added counts.
    spoofed = api.get(ME, headers={"X-Forwarded-For": "192.0.2.10, 198.51.100.1"}, **proxy)
    assert spoofed.status_code == 403


def test_without_trusted_proxies_a_forwarded_header_is_ignored(client, customer):
    api = allowlisted(client, customer, "192.0.2.0/24")
    response = api.get(ME, headers={"X-Forwarded-For": "192.0.2.10"}, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 403


def test_api_keys_are_masked_in_log_lines(raw_key, caplog, client):
    assert raw_key not in mask_secrets(f"calling with {raw_key}")
    assert mask_secrets(raw_key) == f"{raw_key[:13]}…"
    with caplog.at_level(logging.DEBUG):
        Api(client, raw_key[:-1] + "x").get(ME)
    assert raw_key[:-5] not in caplog.text

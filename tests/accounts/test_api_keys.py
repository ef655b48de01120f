"""API keys as an accounts concept: the services' rules, the operators' admin (list and revoke,
never create or edit) and `manage.py api_key_create`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.accounts.services import API_KEYS_PER_CUSTOMER, api_key_authenticate, api_key_create, api_key_revoke
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return UserFactory(email="dev@example.com")


def test_creating_a_key_is_audited_without_the_key(customer):
    key, raw = api_key_create(customer=customer, name="ci", scopes=["orders:write", "read"], ip="203.0.113.5")
    assert key.scopes == ["read", "orders:write"]  # canonical order, no duplicates
    entry = AuditEntry.objects.get(action="api_key.create")
    assert entry.customer == customer and entry.ip == "203.0.113.5"
    assert raw not in str(entry.data) and entry.data["hint"] == key.hint


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"ip_allowlist": ["10.0.0.300"]}, "ip_allowlist"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expires_at"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(customer, kwargs, field):
    with pytest.raises(ApplicationError) as caught:
        api_key_create(customer=customer, **{"name": "ci", "scopes": ["read"], **kwargs})
    assert caught.value.extra["field"] == field
    assert not ApiKey.objects.exists()


def test_the_allowlist_is_normalised(customer):
    key, _ = api_key_create(customer=customer, name="ci", scopes=["read"], ip_allowlist=["10.0.0.7/24", " ::1 ", ""])
    assert key.ip_allowlist == ["10.0.0.0/24", "::1/128"]


def test_a_customer_has_a_bounded_number_of_active_keys(customer):
    for n in range(API_KEYS_PER_CUSTOMER):
        api_key_create(customer=customer, name=f"k{n}", scopes=["read"])
    with pytest.raises(ApplicationError):
        api_key_create(customer=customer, name="one more", scopes=["read"])
    api_key_revoke(key=ApiKey.objects.first())
    api_key_create(customer=customer, name="one more", scopes=["read"])


def test_revoking_twice_revokes_and_audits_once(customer):
    key, raw = api_key_create(customer=customer, name="ci", scopes=["read"])
    assert api_key_revoke(key=key, actor=customer) is True
    assert api_key_revoke(key=key, actor=customer) is False
    assert AuditEntry.objects.filter(action="api_key.revoke").count() == 1


def test_authentication_compares_the_whole_key(customer):
    _, raw = api_key_create(customer=customer, name="ci", scopes=["read"])
    assert api_key_authenticate(raw_key=raw, ip="127.0.0.1").customer == customer
    with pytest.raises(ApplicationError):
        api_key_authenticate(raw_key=raw[:-1] + ("a" if raw[-1] != "a" else "b"), ip="127.0.0.1")


# Admin -----------------------------------------------------------------------------------------


@pytest.fixture
def ops(client):
    client.force_login(StaffFactory())
    return client


def test_operators_see_customers_keys_but_never_the_key(ops, customer):
    key, raw = api_key_create(customer=customer, name="scraper", scopes=["read"])
    html = ops.get("/admin/accounts/apikey/").content.decode()
    assert "scraper" in html and "dev@example.com" in html and key.hint in html
    assert raw not in html
    assert ops.get(f"/admin/accounts/apikey/{key.pk}/change/").status_code == 200
    assert ops.get("/admin/accounts/apikey/add/").status_code == 403


def test_operators_revoke_keys_with_the_admin_action(ops, customer):
    key, _ = api_key_create(customer=customer, name="scraper", scopes=["read"])
    response = ops.post(
        "/admin/accounts/apikey/", {"action": "revoke_selected", "_selected_action": [key.pk]}, follow=True
    )
    assert "Revoked 1 API key." in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert entry.actor.is_staff and entry.customer == customer


# manage.py api_key_create ----------------------------------------------------------------------


def test_the_command_prints_a_new_key_once(customer):
    out, err = StringIO(), StringIO()
    call_command(
        "api_key_create", "DEV@example.com", "--scope", "read", "--scope", "sessions:write", "--name", "cron",
        stdout=out, stderr=err,
    )  # fmt: skip
    raw = out.getvalue().strip()
    key = api_key_authenticate(raw_key=raw, ip=None)
    assert key.customer == customer and key.name == "cron" and key.scopes == ["read", "sessions:write"]
    assert key.hint in err.getvalue() and raw not in err.getvalue()


def test_the_command_defaults_to_read_and_can_expire(customer):
    call_command("api_key_create", customer.email, "--expires-in-days", "7", stdout=StringIO(), stderr=StringIO())
    key = ApiKey.objects.get()
    assert key.scopes == ["read"] and timedelta(days=6) < key.expires_at - timezone.now() <= timedelta(days=7)


def test_the_command_refuses_an_unknown_customer_or_scope(customer):
    with pytest.raises(CommandError):
        call_command("api_key_create", "nobody@example.com", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("api_key_create", customer.email, "--scope", "admin", stdout=StringIO(), stderr=StringIO())
    assert not ApiKey.objects.exists()

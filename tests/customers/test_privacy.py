"""The customer's data export and account deletion; the operator's deactivation."""

import json
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress

from apps.accounts.models import ApiKey, User
from apps.billing.models import Order
from apps.core.models import AuditEntry
from apps.customers.services import (
    AccountDeletionRefused,
    customer_deactivate,
    customer_delete,
    customer_reactivate,
)
from apps.ports.models import Port
from apps.ports.services import port_fulfil
from apps.proxies.models import PoolKey
from apps.proxies.services.changes import pool_key_set_enabled
from apps.sandbox.upstream.faults import inject
from tests.billing.factories import OrderFactory
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.proxies.console_support import mint, upstream_key

pytestmark = pytest.mark.django_db
PASSWORD = DEFAULT_PASSWORD


def _port(customer) -> Port:
    delivery = port_fulfil(
        customer=customer,
        order_ref="p1",
        sharing="shared",
        country="DE",
        carrier="",
        days=30,
        idempotency_key="order-p1-port",
    )
    return Port.objects.get(pk=delivery.port_id)


def test_the_export_holds_profile_orders_keys_and_audit_but_no_secret(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    OrderFactory(customer=customer, status="pending")
    client.force_login(customer)

    response = client.get("/account/privacy/data.json")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["profile"]["email"] == customer.email
    assert [o["status"] for o in data["orders"]] == ["pending"]
    assert data["pool_keys"][0]["label"] == key.label
    assert Decimal(data["pool_keys"][0]["cap_gb"]) == 10
    assert any(entry["action"] == "pool_key.mint" for entry in data["audit"])
    assert not re.search(r"pak_[A-Za-z0-9]{6,}", response.content.decode())  # hints only, never a secret


def test_the_export_is_only_ever_the_callers_own(client, upstreams):
    other = UserFactory()
    mint(other)
    me = UserFactory()
    client.force_login(me)

    data = json.loads(client.get("/account/privacy/data.json").content)

    assert data["pool_keys"] == [] and data["profile"]["email"] == me.email


def test_deleting_the_account_releases_keys_and_ports_and_anonymises(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    port = _port(customer)
    order = OrderFactory(customer=customer)
    ApiKey.objects.create(
        customer=customer, name="ci", mode="live", lookup="abcd1234", secret_hash="x" * 64, last4="1234"
    )
    email = customer.email
    client.force_login(customer)

    response = client.post("/account/privacy/delete/", {"email": email, "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/"
    customer.refresh_from_db()
    assert customer.email.endswith("@deleted.invalid") and not customer.is_active
    assert not customer.has_usable_password()
    assert not EmailAddress.objects.filter(user=customer).exists()
    assert PoolKey.objects.get(pk=key.pk).deleted_at is not None
    assert Port.objects.get(pk=port.pk).released_at is not None
    assert ApiKey.objects.get(customer=customer).revoked_at is not None
    assert Order.objects.filter(pk=order.pk).exists()  # kept for the books
    assert AuditEntry.objects.filter(action="account.deleted", customer=customer).exists()
    assert client.get("/dashboard/").status_code == 302  # signed out
    assert not User.objects.filter(email=email).exists()


def test_deletion_needs_the_email_and_password(client, upstreams):
    customer = UserFactory()
    client.force_login(customer)

    response = client.post("/account/privacy/delete/", {"email": customer.email, "password": "wrong"}, follow=True)

    assert b"Type your email address and your password exactly" in response.content
    customer.refresh_from_db()
    assert customer.is_active


def test_an_upstream_outage_leaves_the_account_untouched(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    client.force_login(customer)

    with inject(status=503, path=f"/reseller/pool-keys/{key.upstream_id}", method="DELETE", times=10):
        response = client.post("/account/privacy/delete/", {"email": customer.email, "password": PASSWORD}, follow=True)

    assert b"Your account was not deleted" in response.content
    customer.refresh_from_db()
    assert customer.is_active and not customer.email.endswith(".invalid")
    assert PoolKey.objects.get(pk=key.pk).deleted_at is None


def test_deactivation_disables_keys_and_ports_and_reactivation_restores_exactly_those(upstreams):
    operator = StaffFactory()
    customer = UserFactory()
    live, already_off = mint(customer), mint(customer)
    pool_key_set_enabled(key=already_off, enabled=False, idempotency_key="test-off-0001", actor=operator)
    port = _port(customer)

    counts = customer_deactivate(customer=customer, actor=operator, reason="chargeback fraud")

    assert counts == {"keys": 1, "ports": 1}
    customer.refresh_from_db()
    assert not customer.is_active
    assert upstream_key(live).enabled is False
    assert Port.objects.get(pk=port.pk).blocked_at is not None

    restored = customer_reactivate(customer=customer, actor=operator, reenable=True)

    assert restored == {"keys": 1, "ports": 1}
    assert upstream_key(PoolKey.objects.get(pk=live.pk)).enabled is True
    assert upstream_key(PoolKey.objects.get(pk=already_off.pk)).enabled is False
    assert Port.objects.get(pk=port.pk).blocked_at is None
    actions = AuditEntry.objects.filter(customer=customer, action__startswith="customer.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["customer.deactivated", "customer.reactivated"]


def test_staff_cannot_delete_themselves_this_way(upstreams):
    with pytest.raises(AccountDeletionRefused):
        customer_delete(customer=StaffFactory())

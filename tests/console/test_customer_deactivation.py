"""Deactivating a customer in the console stops their traffic upstream; reactivating can switch
back on exactly what the deactivation switched off."""

import pytest

from apps.accounts.models import User
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory, UserFactory
from tests.proxies.console_support import mint, upstream_key

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/accounts/user/"


def _act(client, action, user):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [user.pk]}, follow=True)


def test_the_deactivate_action_disables_keys_upstream_and_the_account(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    client.force_login(StaffFactory())

    response = _act(client, "deactivate_customers", customer)

    assert "deactivated (1 keys, 0 ports)" in response.content.decode()
    assert not User.objects.get(pk=customer.pk).is_active
    assert upstream_key(PoolKey.objects.get(pk=key.pk)).enabled is False
    assert AuditEntry.objects.filter(action="customer.deactivated", customer=customer).exists()

    _act(client, "reactivate_and_reenable", customer)

    assert User.objects.get(pk=customer.pk).is_active
    assert upstream_key(PoolKey.objects.get(pk=key.pk)).enabled is True


def test_reactivate_only_leaves_the_keys_off(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    client.force_login(StaffFactory())
    _act(client, "deactivate_customers", customer)

    _act(client, "reactivate_only", customer)

    assert User.objects.get(pk=customer.pk).is_active
    assert upstream_key(PoolKey.objects.get(pk=key.pk)).enabled is False


def test_an_upstream_outage_leaves_the_customer_active_and_says_so(client, upstreams):
    customer = UserFactory()
    key = mint(customer)
    client.force_login(StaffFactory())

    with inject(status=503, path=f"/reseller/pool-keys/{key.upstream_id}", method="PATCH", times=10):
        response = _act(client, "deactivate_customers", customer)

    assert "not deactivated" in response.content.decode()
    assert User.objects.get(pk=customer.pk).is_active

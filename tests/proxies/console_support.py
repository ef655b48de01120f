"""Helpers for the operator console tests (admin pages and jobs): keys minted through the real
services on the sandbox upstream, and admin actions driven through the test client the way a
browser drives them (list or key page, intermediate page, confirm)."""

import itertools
import re
from datetime import datetime
from decimal import Decimal

from django.urls import reverse

from apps.proxies.models import PoolKey
from apps.proxies.services import pool_key_label_for, pool_key_mint
from apps.sandbox.upstream.models import SandboxKey
from tests.factories import UserFactory

CHANGELIST = "/admin/proxies/poolkey/"
_refs = itertools.count(1)


def mint(customer=None, *, cap_gb: Decimal | None = Decimal(10), expires_at: datetime | None = None) -> PoolKey:
    customer = customer or UserFactory()
    ref = f"console{next(_refs)}"
    return pool_key_mint(
        customer=customer,
        label=pool_key_label_for(customer=customer, order_ref=ref),
        cap_gb=cap_gb,
        expires_at=expires_at,
        idempotency_key=f"order-{ref}-mint",
    )


def upstream_key(key: PoolKey) -> SandboxKey:
    return SandboxKey.objects.get(public_id=key.upstream_id)


def set_upstream_usage(key: PoolKey, *, used_mb, enabled: bool | None = None) -> None:
    """Moves the sandbox's counter (what a sync will read), as traffic would."""
    fields = {"traffic_used_mb": Decimal(used_mb)}
    if enabled is not None:
        fields["enabled"] = enabled
    SandboxKey.objects.filter(public_id=key.upstream_id).update(**fields)


def change_url(key: PoolKey) -> str:
    return reverse("admin:proxies_poolkey_change", args=[key.pk])


def nonce_of(response) -> str:
    match = re.search(r'name="nonce" value="([A-Za-z0-9_-]+)"', response.content.decode())
    assert match, "the intermediate page carries a nonce"
    return match.group(1)


def run_action(client, name: str, keys, *, from_key_page: bool = False, **fields):
    """Opens the intermediate page for `name` on `keys`, then confirms it with `fields`. Returns
    (intermediate page, final response)."""
    if from_key_page:
        (key,) = keys
        url, data = change_url(key), {"CHANGE_FORM-action": name, "_selected_action": [key.pk]}
    else:
        url, data = CHANGELIST, {"action": name, "_selected_action": [k.pk for k in keys], "index": 0}
    page = client.post(url, data)
    assert page.status_code == 200, page.content[:500]
    confirm = {**data, "apply": 1, "select_across": 0, "nonce": nonce_of(page), "reason": "support ticket 42"}
    confirm.update(fields)
    return page, client.post(url, confirm)

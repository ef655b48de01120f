"""The console's status filters run in the database; they must agree with PoolKey.status_at()
(what the dashboard and the list column show) on every combination that matters."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import pool_key_list_expiring, pool_key_list_with_status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CAPS = (None, Decimal(0), Decimal(10))
USED_MB = (Decimal(0), Decimal("8191.999"), Decimal(8192), Decimal("10239.9"), Decimal(10240), Decimal(20000))


def test_every_status_query_matches_status_at_for_every_combination():
    now = timezone.now()
    customer = UserFactory()
    expiries = (None, now - timedelta(seconds=1), now + timedelta(days=3))
    rows = []
    combos = itertools.product(CAPS, USED_MB, (True, False), (True, False), expiries, (False, True), (False, True))
    for n, (cap, used, enabled, held, expires, missing, deleted) in enumerate(combos):
        rows.append(
            PoolKey(
                customer=customer,
                upstream_id=f"pk_combo_{n}",
                label=f"combo {n}",
                cap_gb=cap,
                used_mb=used,
                enabled=enabled,
                disabled_by_operator=held,
                expires_at=expires,
                missing_upstream=missing,
                deleted_at=now if deleted else None,
                session_tag=f"c{n:07d}",
            )
        )
    PoolKey.objects.bulk_create(rows)
    expected = {status: set() for status in PoolKeyStatus.values}
    for key in PoolKey.objects.all():
        expected[key.status_at(now)].add(key.pk)

    for status in PoolKeyStatus.values:
        found = set(pool_key_list_with_status(status=status, now=now).values_list("pk", flat=True))
        assert found == expected[status], status
    assert sum(len(v) for v in expected.values()) == len(rows)


def test_expiring_soon_means_live_and_not_yet_expired():
    now = timezone.now()
    customer = UserFactory()
    for n, (days, deleted) in enumerate([(3, False), (3, True), (-1, False), (8, False)]):
        PoolKey.objects.create(
            customer=customer,
            upstream_id=f"pk_exp_{n}",
            expires_at=now + timedelta(days=days),
            deleted_at=now if deleted else None,
        )

    assert list(pool_key_list_expiring(now=now).values_list("upstream_id", flat=True)) == ["pk_exp_0"]

"""Factories for the proxies app. PoolKeyFactory builds a mirror row only (no upstream key):
for selectors and the console. Service tests mint through the sandbox instead."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.proxies.models import PoolKey
from tests.factories import UserFactory


class PoolKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolKey

    customer = factory.SubFactory(UserFactory)
    upstream_id = factory.Sequence(lambda n: f"pk_mirror_{n:06d}")
    label = factory.LazyAttribute(lambda o: f"sf-u{o.customer.pk}-order-{o.upstream_id[-6:]}")
    cap_gb = Decimal(10)
    used_mb = Decimal(0)
    enabled = True
    secret_last4 = "1a2b"
    last_synced_at = factory.LazyFunction(timezone.now)


def pool_keys_bulk_create(*, count: int, customers: list, tag_prefix: str = "t") -> None:
    """`count` mirror rows spread over `customers`, synced an hour ago: a large shop for the
    sync tests (upstream ids pk_00000…, which the fake client can mirror)."""
    long_ago = timezone.now() - timedelta(hours=1)
    PoolKey.objects.bulk_create(
        PoolKey(
            customer=customers[n % len(customers)],
            upstream_id=f"pk_{n:05d}",
            label=f"k{n}",
            cap_gb=Decimal(10),
            session_tag=f"{tag_prefix}{n:07d}",
            last_synced_at=long_ago,
        )
        for n in range(count)
    )
    PoolKey.objects.update(created_at=long_ago)

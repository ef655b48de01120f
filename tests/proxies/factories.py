"""Factories for the proxies app. PoolKeyFactory builds a mirror row only (no upstream key):
for selectors and the console. Service tests mint through the sandbox instead."""

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

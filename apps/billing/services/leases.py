"""A short per-customer lease: only one billing job at a time changes a customer's key (mint,
top-up, refund effect), so a cap correction can never interleave with a top-up. Taken and
released with conditional UPDATEs, never held as a database lock across an upstream call; a
crashed worker's lease simply runs out."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.billing.models import BillingProfile


def customer_key_lease_acquire(*, customer_id: int) -> str | None:
    profile, _ = BillingProfile.objects.get_or_create(user_id=customer_id)
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = (
        BillingProfile.objects.filter(pk=profile.pk)
        .filter(Q(key_lease_until__isnull=True) | Q(key_lease_until__lte=now))
        .update(key_lease_until=now + timedelta(seconds=settings.BILLING_KEY_LEASE_SECONDS), key_lease_owner=token)
    )
    return token if taken else None


def customer_key_lease_release(*, customer_id: int, token: str) -> None:
    BillingProfile.objects.filter(user_id=customer_id, key_lease_owner=token).update(
        key_lease_until=None, key_lease_owner=""
    )


def customer_key_lease_held(*, customer_id: int) -> bool:
    return BillingProfile.objects.filter(user_id=customer_id, key_lease_until__gt=timezone.now()).exists()


@contextmanager
def customer_key_lease(*, customer_id: int) -> Iterator[str | None]:
    """Yields the lease token, or None when another job holds the lease."""
    token = customer_key_lease_acquire(customer_id=customer_id)
    try:
        yield token
    finally:
        if token is not None:
            customer_key_lease_release(customer_id=customer_id, token=token)

"""Events are recorded by the services that make the change, in the same transaction: a key's
life through the sandbox upstream, and an order's payment."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.events.models import Event, EventType
from apps.events.services import event_record
from apps.proxies.services import (
    idempotency_key_for,
    pool_key_alerts_run,
    pool_key_regenerate,
    pool_key_top_up,
    usage_sync_run,
)
from apps.sandbox.upstream.models import SandboxKey
from tests.proxies.support import mint_key

pytestmark = pytest.mark.django_db


def types_for(key) -> list[str]:
    return list(Event.objects.filter(resource_id=str(key.pk)).order_by("id").values_list("type", flat=True))


def test_a_keys_life_records_its_events(customer, upstream):
    key = mint_key(customer, cap_gb=Decimal(1))
    assert types_for(key) == [EventType.KEY_CREATED]

    SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=Decimal(1024), enabled=False)
    usage_sync_run()
    pool_key_alerts_run()
    key.refresh_from_db()
    pool_key_top_up(
        key=key,
        add_gb=Decimal(1),
        extend_days=None,
        idempotency_key=idempotency_key_for(action="topup", obj_ref=f"k{key.pk}", nonce="o2"),
        reenable=True,
    )
    pool_key_regenerate(key=key, idempotency_key="regen-events-1")

    assert types_for(key) == [
        EventType.KEY_CREATED,
        EventType.KEY_SUSPENDED,
        EventType.KEY_USAGE_THRESHOLD,
        EventType.KEY_REENABLED,  # the mirror's write, then the top-up's record
        EventType.KEY_TOPPED_UP,
        EventType.KEY_SECRET_REGENERATED,
    ]
    suspended = Event.objects.get(resource_id=str(key.pk), type=EventType.KEY_SUSPENDED)
    assert suspended.extra == {"reason": "cap"}
    threshold = Event.objects.get(resource_id=str(key.pk), type=EventType.KEY_USAGE_THRESHOLD)
    assert threshold.extra["threshold"] == 100 and threshold.extra["percent"] >= 100


def test_an_event_rolled_back_with_its_change_never_existed(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        event_record(type="order.paid", customer_id=customer.pk, resource_type="order", resource_id=1)
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert callbacks == []  # no fan-out was queued


def test_extra_facts_are_masked_and_kept_small(customer):
    event = event_record(
        type="key.suspended",
        customer_id=customer.pk,
        resource_type="key",
        resource_id=1,
        extra={"reason": "leaked pak_0123456789abcdef0123", "note": "x" * 500, "n": 3},
    )
    assert "0123456789abcdef" not in event.extra["reason"]
    assert len(event.extra["note"]) == 200 and event.extra["n"] == 3
    assert event.public_id.startswith("evt_")

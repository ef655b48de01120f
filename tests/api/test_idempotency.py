"""The Idempotency-Key records: claimed before the write, kept for the window, taken over when the
request that claimed them died, and pruned by a periodic job."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.api.errors import Conflict, InvalidRequest, Unprocessable
from apps.api.models import IdempotencyRecord
from apps.api.services import (
    idempotency_claim,
    idempotency_complete,
    idempotency_prune,
    idempotency_request_hash,
)
from apps.api.tasks import idempotency_prune_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HASH = idempotency_request_hash(method="POST", path="/api/v1/orders", body={"plan": "starter"})


def age(record: IdempotencyRecord, **delta) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_the_request_hash_ignores_key_order_but_not_values():
    assert idempotency_request_hash(method="post", path="/api/v1/orders", body={"plan": "starter"}) == HASH
    assert idempotency_request_hash(method="POST", path="/api/v1/orders", body={"plan": "pro"}) != HASH


def test_a_completed_claim_replays_and_a_running_one_conflicts():
    customer = UserFactory()
    claim = idempotency_claim(customer=customer, key="k1", request_hash=HASH)
    with pytest.raises(Conflict):
        idempotency_claim(customer=customer, key="k1", request_hash=HASH)
    idempotency_complete(record=claim.record, status_code=201, body={"id": "x"})
    replay = idempotency_claim(customer=customer, key="k1", request_hash=HASH)
    assert replay.replay and replay.record.response_body == {"id": "x"}
    with pytest.raises(Unprocessable):
        idempotency_claim(customer=customer, key="k1", request_hash="0" * 64)


def test_a_claim_whose_request_died_is_taken_over():
    customer = UserFactory()
    stuck = idempotency_claim(customer=customer, key="k1", request_hash=HASH).record
    age(stuck, minutes=5)
    claim = idempotency_claim(customer=customer, key="k1", request_hash=HASH)
    assert not claim.replay and claim.record.pk != stuck.pk


def test_after_the_window_the_key_starts_afresh(settings):
    customer = UserFactory()
    old = idempotency_claim(customer=customer, key="k1", request_hash=HASH).record
    idempotency_complete(record=old, status_code=201, body={})
    age(old, hours=settings.API_IDEMPOTENCY_HOURS, minutes=1)
    assert not idempotency_claim(customer=customer, key="k1", request_hash="0" * 64).replay


def test_the_prune_job_drops_only_records_past_the_window(settings):
    customer = UserFactory()
    old = idempotency_claim(customer=customer, key="old", request_hash=HASH).record
    idempotency_claim(customer=customer, key="new", request_hash=HASH)
    age(old, hours=settings.API_IDEMPOTENCY_HOURS + 1)
    assert idempotency_prune_task.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert idempotency_prune() == 0


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "naïve"])
def test_a_malformed_idempotency_key_is_refused(key):
    with pytest.raises(InvalidRequest):
        idempotency_claim(customer=UserFactory(), key=key, request_hash=HASH)

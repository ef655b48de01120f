"""Pool traffic as billing's product (apps/proxies/fulfilment.py): upstream failures leave proxies
as core RetryableError / TerminalError with the upstream's text, the decision is made once per
order, and the delivery is described without an upstream call."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import RetryableError, TerminalError
from apps.core.fulfilment import FulfilmentRequest, FulfilmentWait
from apps.proxies.fulfilment import PoolTraffic
from apps.proxies.models import PoolKeyFulfilment
from apps.proxies.upstream.errors import UpstreamError
from apps.sandbox.upstream.faults import inject
from tests.factories import UserFactory

from .fakes import sandbox_upstream

pytestmark = pytest.mark.django_db

MINT = {"path": "/reseller/pool-keys", "method": "POST"}


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch, max_attempts=1)


def request_for(customer, ref: str = "order0001", *, attempt: int = 1, **fields) -> FulfilmentRequest:
    values = {
        "customer_id": customer.pk,
        "order_ref": ref,
        "quantity": Decimal("5"),
        "days": 30,
        "idempotency_key": f"sf-order-{ref}",
        "attempt": attempt,
        "first_attempt_at": timezone.now(),
        "reason": f"order {ref}",
    }
    values.update(fields)
    return FulfilmentRequest(**values)


def test_first_order_mints_and_the_delivery_names_the_key(upstream):
    customer = UserFactory()
    product = PoolTraffic()
    request = request_for(customer)

    product.prepare(request)
    delivery = product.fulfil(request)

    decision = PoolKeyFulfilment.objects.get(order_ref="order0001")
    assert (decision.action, str(decision.key_id)) == ("mint", delivery.ref)
    assert delivery.audit == {"pool_key": decision.key_id, "action": "mint"}
    view = product.describe(ref=delivery.ref, order_ref="order0001")
    assert (view.summary, view.decision) == ("are on your new proxy", "Mint a new key")
    assert upstream.idempotency_keys("create_key") == ["sf-order-order0001-mint"]


def test_upstream_errors_reach_the_caller_as_core_errors(upstream):
    customer = UserFactory()
    product = PoolTraffic()
    request = request_for(customer)
    product.prepare(request)

    with inject(times=1, status=429, retry_after=120, **MINT), pytest.raises(RetryableError) as retry:
        product.fulfil(request)
    with inject(times=1, status=401, **MINT), pytest.raises(TerminalError) as refused:
        product.fulfil(request)

    assert retry.value.retry_after == 120
    assert not isinstance(retry.value, UpstreamError) and not isinstance(refused.value, UpstreamError)
    assert "status=401" in str(refused.value)


def test_a_second_order_waits_while_the_first_key_is_being_minted(upstream):
    customer = UserFactory()
    product = PoolTraffic()
    product.prepare(request_for(customer, "first0001"))

    with pytest.raises(FulfilmentWait):
        product.prepare(request_for(customer, "second001", in_flight_refs=("first0001",)))

    assert not PoolKeyFulfilment.objects.filter(order_ref="second001").exists()


def test_an_unconfirmed_top_up_is_refused_after_the_replay_window(upstream):
    customer = UserFactory()
    product = PoolTraffic()
    first = request_for(customer, "first0001")
    product.prepare(first)
    product.fulfil(first)
    started = timezone.now() - timedelta(hours=24)
    product.prepare(request_for(customer, "second001", first_attempt_at=started))

    with pytest.raises(TerminalError, match="23 h"):
        product.prepare(request_for(customer, "second001", attempt=2, first_attempt_at=started))

    assert PoolKeyFulfilment.objects.get(order_ref="second001").action == "top_up"


def test_a_chosen_key_is_topped_up_and_only_the_customers_own(upstream):
    customer, stranger = UserFactory(), UserFactory()
    product = PoolTraffic()
    for who, ref in ((customer, "mine00001"), (stranger, "theirs001")):
        request = request_for(who, ref)
        product.prepare(request)
        product.fulfil(request)
    mine = PoolKeyFulfilment.objects.get(order_ref="mine00001").key
    theirs = PoolKeyFulfilment.objects.get(order_ref="theirs001").key

    product.prepare(request_for(customer, "chosen001", target_ref=str(mine.pk)))
    with pytest.raises(TerminalError):
        product.prepare(request_for(customer, "chosen002", target_ref=str(theirs.pk)))

    assert PoolKeyFulfilment.objects.get(order_ref="chosen001").key == mine
    assert not PoolKeyFulfilment.objects.filter(order_ref="chosen002").exists()

"""The facilitator or the upstream failing at every step of an x402 purchase: nothing is minted
without a settlement, a settled payment is never lost, and the same payment can be sent again."""

import threading

import pytest
from django.db import connections
from django.test import Client

from apps.agents.models import X402Purchase
from apps.billing.models import Order
from apps.billing.services import order_provision
from apps.proxies.models import PoolKey
from apps.sandbox.upstream.faults import inject as upstream_fault
from apps.sandbox.x402.facilitator import balance_of
from apps.sandbox.x402.faults import inject
from apps.sandbox.x402.models import START_BALANCE, SandboxX402Settlement
from tests.billing.support import upstream_mints

from .test_x402_purchase import BASE_SEPOLIA, BUY, PRICE_ATOMIC

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("mode", ["status", "timeout"])
def test_verify_unreachable_charges_nothing_and_the_same_payment_goes_through_later(agent, mode):
    headers = agent.sign(BUY)
    inject("verify", mode=mode, status=500)

    first, _ = agent.pay(BUY, headers=headers)

    assert first.status_code == 503
    assert first.json()["error"] == "facilitator_unavailable"
    assert X402Purchase.objects.get().state == "retryable"
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE and upstream_mints() == 0

    again, _ = agent.pay(BUY, headers=headers)

    assert again.status_code == 200, again.text
    assert Order.objects.count() == 1 and upstream_mints() == 1


def test_settle_failing_before_it_moves_money_is_reported_and_mints_nothing(agent):
    inject("settle", status=502)

    response, _ = agent.pay(BUY)

    assert response.status_code == 502
    assert response.json()["error"] == "settlement_unknown"
    assert X402Purchase.objects.get().state == "settle_unknown"
    assert Order.objects.get().status == "pending"
    assert upstream_mints() == 0 and balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE


def test_a_lost_settlement_reply_goes_to_an_operator_and_is_not_settled_twice(agent, mailoutbox, settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    headers = agent.sign(BUY)
    inject("settle", mode="timeout", after=True)

    first, _ = agent.pay(BUY, headers=headers)
    again, _ = agent.pay(BUY, headers=headers)

    assert first.status_code == again.status_code == 502
    assert SandboxX402Settlement.objects.count() == 1  # the money moved once
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE - PRICE_ATOMIC
    assert upstream_mints() == 0
    assert any("settlement" in m.subject for m in mailoutbox)


def test_provisioning_failing_after_settlement_leaves_the_order_paid_for_a_retry(agent):
    headers = agent.sign(BUY)
    with upstream_fault(status=503, path="/reseller/pool-keys", method="POST"):
        first, _ = agent.pay(BUY, headers=headers)

    assert first.status_code == 202, first.text
    order = Order.objects.get()
    assert order.status == "paid"
    assert agent.http.get(f"/x402/v1/orders/{order.public_id}").json()["order"]["status"] == "paid"

    order_provision(order_id=order.pk)  # what the job and the reconciler do
    again, _ = agent.pay(BUY, headers=headers)

    assert again.status_code == 200
    assert again.json()["key"]["id"] == PoolKey.objects.get().pk
    assert SandboxX402Settlement.objects.count() == 1 and upstream_mints() == 1


@pytest.mark.postgres
def test_the_same_payment_sent_at_once_buys_once(agent):
    headers = agent.sign(BUY)
    count = 6
    barrier = threading.Barrier(count)
    statuses: list = [None] * count

    def send(i: int) -> None:
        try:
            barrier.wait()
            response = Client().get(BUY, headers=headers, SERVER_NAME="testserver")
            statuses[i] = response.status_code
        except BaseException as exc:
            statuses[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(statuses) <= {200, 202, 409}, statuses  # 202: a replay while the key is being delivered
    assert 200 in statuses
    assert Order.objects.count() == X402Purchase.objects.count() == 1
    assert SandboxX402Settlement.objects.count() == 1
    assert upstream_mints() == 1
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE - PRICE_ATOMIC

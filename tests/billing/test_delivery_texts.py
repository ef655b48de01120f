"""What customers and operators read about a delivery comes from the order's product
(`describe`): a first purchase is a new proxy, a later one adds to it; the operator's alert names
what the product decided."""

import pytest
from django.core import mail

from apps.sandbox.upstream.faults import inject

from .stripe_events import completed_paid, post_event

pytestmark = pytest.mark.django_db

MINT = {"path": "/reseller/pool-keys", "method": "POST"}


def ready_mail(order):
    [message] = [m for m in mail.outbox if m.subject.endswith("Your proxy is ready") and order.customer.email in m.to]
    return message


def test_ready_email_says_new_proxy_then_added_to_it(client, buy):
    first = buy()
    assert "5 GB are on your new proxy, valid 30 days" in ready_mail(first).body
    mail.outbox.clear()

    second = buy()

    assert "5 GB were added to your proxy, valid 30 days" in ready_mail(second).body


def test_status_page_says_what_the_order_delivered(client, buy, customer):
    buy()
    second = buy()
    client.force_login(customer)

    html = client.get(f"/billing/orders/{second.public_id}/status/").content.decode()

    assert "5 GB were added to your proxy" in html


def test_operator_alert_names_the_products_decision(client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, status=401, **MINT):
        post_event(client, completed_paid(session))

    [alert] = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert "Action:     Mint a new key, 1 attempt(s)" in alert.body

"""Order emails arrive in the language the customer chose, whatever language the request or job
that sends them runs in."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_receipt_and_ready_arrive_in_the_customers_language(client, buy, customer):
    customer.language = "ru"
    customer.save(update_fields=["language"])

    order = buy()

    messages = [m for m in mail.outbox if order.customer.email in m.to]
    subjects = [m.subject for m in messages]
    assert any("Квитанция за" in s for s in subjects), subjects
    assert any(s.endswith("Ваш прокси готов") for s in subjects), subjects
    assert all("Your receipt" not in s and "Your proxy is ready" not in s for s in subjects)


def test_a_customer_without_a_choice_gets_english(client, buy, customer):
    order = buy()

    subjects = [m.subject for m in mail.outbox if order.customer.email in m.to]
    assert any("Your receipt" in s for s in subjects), subjects

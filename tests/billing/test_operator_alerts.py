"""Review regressions: operator alerts survive a mail failure."""

import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from apps.billing.models import Order
from apps.billing.services import order_email_send

from .factories import OrderFactory


@pytest.fixture
def failed_order(db):
    return OrderFactory(status=Order.Status.FAILED, paid_at=timezone.now(), failure_reason="upstream said no")


def test_operator_alert_is_sent_on_retry_after_a_mail_failure(failed_order, monkeypatch):
    def smtp_down(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("connection lost")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", smtp_down)
        with pytest.raises(smtplib.SMTPException):
            order_email_send(order_id=failed_order.pk, kind="operator_alert")

    failed_order.refresh_from_db()
    assert failed_order.operator_alerted_at is None
    assert mail.outbox == []

    assert order_email_send(order_id=failed_order.pk, kind="operator_alert") is True
    assert len(mail.outbox) == 1
    assert failed_order.reference in mail.outbox[0].subject


def test_operator_alert_is_sent_once(failed_order):
    assert order_email_send(order_id=failed_order.pk, kind="operator_alert") is True
    assert order_email_send(order_id=failed_order.pk, kind="operator_alert") is False
    assert len(mail.outbox) == 1

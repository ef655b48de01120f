"""A line break in an admin-entered name (brand, plan) is refused, and one already stored breaks
no email: every message's headers are made one clean line before it is sent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import BrandSettings
from apps.billing.models import Order
from apps.billing.services import order_email_send
from apps.core.mail import header_text, mail_send
from apps.core.services.notifications import operators_notify
from apps.core.validators import validate_single_line
from apps.proxies.services import pool_key_alerts_run
from tests.billing.factories import OrderFactory, PlanFactory
from tests.proxies.factories import PoolKeyFactory

INJECTED = "Acme\r\nBcc: thief@evil.example"
BAD_TEXT = ["Acme\r\nBcc: x", "Acme\nShop", "Acme\rShop", "Acme\tShop", "Acme\x00", "Acme\u2028Shop", "Acme\u202eShop"]


@pytest.fixture
def bad_brand(db):
    """A brand row saved before names were validated (or written around the admin)."""
    BrandSettings.objects.create(pk=1, **{**BrandSettings.defaults(), "name": INJECTED})
    return BrandSettings.objects.get(pk=1)


def _assert_clean(message) -> None:
    assert "\r" not in message.subject and "\n" not in message.subject
    rendered = message.message()
    assert rendered["Bcc"] is None
    assert message.recipients() == message.to


@pytest.mark.parametrize("value", BAD_TEXT)
def test_single_line_validator_refuses_line_breaks_and_control_characters(value):
    with pytest.raises(ValidationError, match="single line"):
        validate_single_line(value)


@pytest.mark.parametrize("value", ["Acme Proxies", "Zoë & Co. — mobile 🚀", "Ünïcode GmbH"])
def test_single_line_validator_accepts_ordinary_names(value):
    validate_single_line(value)


def test_header_text_makes_one_line_without_control_characters():
    assert header_text(" Acme\r\n\tProxies\x00 \u2028shop ") == "Acme Proxies shop"


@pytest.mark.parametrize("field", ["name", "support_email"])
def test_brand_fields_that_reach_mail_headers_refuse_a_line_break(db, field):
    values = {**BrandSettings.defaults(), field: BrandSettings.defaults()[field] + "\r\nBcc: x@evil.example"}

    with pytest.raises(ValidationError) as excinfo:
        BrandSettings(pk=1, **values).full_clean()

    assert field in excinfo.value.message_dict


def test_plan_name_refuses_a_line_break(db):
    plan = PlanFactory.build(slug="pro", name="Pro\r\nBcc: x@evil.example")

    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()

    assert "name" in excinfo.value.message_dict


def test_mail_send_cleans_every_header(db):
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=INJECTED,
        body="hello",
        from_email="Shop\r\n <shop@example.com>",
        to=["customer@example.com"],
        reply_to=["help@example.com\r\n"],
        headers={"X-Note": "a\r\nBcc: x@evil.example"},
    )

    mail_send(message=message)

    sent = mail.outbox[-1]
    _assert_clean(sent)
    assert sent.subject == "Acme Bcc: thief@evil.example"
    assert sent.extra_headers == {"X-Note": "a Bcc: x@evil.example"}


def test_receipt_is_sent_with_a_line_break_in_the_stored_plan_and_brand_names(bad_brand):
    order = OrderFactory(status=Order.Status.PAID, paid_at=timezone.now(), plan_name="Pro\r\n25 GB")

    assert order_email_send(order_id=order.pk, kind="receipt") is True

    receipt = mail.outbox[-1]
    _assert_clean(receipt)
    assert receipt.subject.startswith("[Acme Bcc: thief@evil.example] Your receipt for Pro 25 GB")
    order.refresh_from_db()
    assert order.receipt_sent_at is not None


def test_operator_alert_is_sent_with_a_line_break_in_the_brand_name(bad_brand, settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]

    operators_notify(subject="Order R-1 needs\r\nattention", body="details")

    _assert_clean(mail.outbox[-1])
    assert mail.outbox[-1].to == ["ops@example.com"]


def test_deduplicated_operator_alert_is_sent_with_a_line_break_in_the_brand_name(bad_brand, settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]

    assert operators_notify(kind="test", dedup_key="crlf", subject="Upstream\r\ndown", body="details") is True

    _assert_clean(mail.outbox[-1])


def test_customer_expiry_alert_is_sent_with_a_line_break_in_the_brand_name(bad_brand):
    key = PoolKeyFactory(expires_at=timezone.now() + timedelta(days=5))

    result = pool_key_alerts_run()

    assert result.failed == 0
    customer_mails = [m for m in mail.outbox if m.to == [key.customer.email]]
    assert len(customer_mails) == 1
    _assert_clean(customer_mails[0])

"""Customer emails: one branded HTML frame (logo or name in the brand colour, support address in
the footer), the brand's name in From, and the receipt before "your proxy is ready" so the two
never contradict each other."""

import pytest
from django.core import mail
from django.core.cache import cache

from apps.accounts.models import BrandSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(db):
    cache.clear()
    values = {**BrandSettings.defaults(), "name": "Acme Proxies", "primary_color": "#123456"}
    values["support_email"] = "help@acme.example"
    row = BrandSettings.objects.update_or_create(pk=1, defaults=values)[0]
    cache.clear()
    yield row
    cache.clear()


def test_the_receipt_arrives_before_ready(brand, client, buy):
    order = buy()

    subjects = [m.subject for m in mail.outbox if order.customer.email in m.to]
    receipt = next(i for i, s in enumerate(subjects) if "Your receipt" in s)
    ready = next(i for i, s in enumerate(subjects) if s.endswith("Your proxy is ready"))
    assert receipt < ready  # "we will email you again when it is ready", then that email


def test_order_emails_come_from_the_brand_in_its_frame(brand, client, buy):
    order = buy()

    for message in [m for m in mail.outbox if order.customer.email in m.to]:
        assert message.from_email.startswith("Acme Proxies <")
        html = (
            message.alternatives[0].content
            if hasattr(message.alternatives[0], "content")
            else message.alternatives[0][0]
        )
        assert 'class="email-header" style="background:#123456' in html
        assert "help@acme.example" in html.split('class="email-footer"')[1]


def test_a_changed_password_is_notified_in_the_brands_frame(brand, client, db):
    from tests.factories import DEFAULT_PASSWORD, UserFactory

    user = UserFactory(email="carol@example.com")
    client.force_login(user)
    new = "a-brand-new-Passphrase-42"
    client.get("/accounts/password/change/")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):  # account mail is sent by a job after the commit
        client.post("/accounts/password/change/", {"oldpassword": DEFAULT_PASSWORD, "password1": new, "password2": new})

    [notice] = [m for m in mail.outbox if "carol@example.com" in m.to and "assword" in m.subject]
    assert notice.from_email.startswith("Acme Proxies <")
    html = notice.alternatives[0].content if hasattr(notice.alternatives[0], "content") else notice.alternatives[0][0]
    assert "email-footer" in html and "help@acme.example" in html

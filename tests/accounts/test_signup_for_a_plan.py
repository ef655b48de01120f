""" "Sign up to buy" a plan comes back to that plan's checkout after sign-up (and after the
email confirmation when it is mandatory), with the messages on the page."""

from decimal import Decimal

import pytest
from django.test import override_settings

from apps.billing.models import Plan

from .conftest import is_logged_in, last_mail_link, path_of

PASSWORD = "a-brand-new-Passphrase-42"
CHECKOUT = "/billing/checkout/signup-plan/"


@pytest.fixture
def plan(db):
    return Plan.objects.create(
        slug="signup-plan", name="Signup plan", gb=Decimal(7), price=Decimal("49.00"), currency="usd", sort_order=0
    )


def test_the_pricing_card_signs_up_towards_the_plans_checkout(client, plan):
    html = client.get("/").content.decode()

    assert f'href="/accounts/signup/?next={CHECKOUT}">Sign up to buy</a>' in html


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_after_sign_up_the_customer_is_at_the_plans_checkout_with_the_messages(client, plan):
    response = client.post(
        f"/accounts/signup/?next={CHECKOUT}",
        {"email": "buyer@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": CHECKOUT},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == CHECKOUT
    assert "Buy Signup plan" in html
    assert "Continue to payment" in html
    assert 'class="container messages"' in html  # "Confirmation email sent", "Signed in"


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_with_mandatory_confirmation_the_link_leads_back_to_the_plans_checkout(client, plan):
    client.post(
        f"/accounts/signup/?next={CHECKOUT}",
        {"email": "buyer@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": CHECKOUT},
    )
    link = path_of(last_mail_link("/accounts/confirm-email/"))

    response = client.post(link, follow=True)

    assert is_logged_in(client)
    assert response.redirect_chain[-1][0] == CHECKOUT
    assert "Buy Signup plan" in response.content.decode()

"""The account page (/account/). (The admin for the email-login user: tests/console/test_customers.py.)"""

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse


def test_account_page_needs_a_login(client, db):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/"


def test_account_page_links_to_email_password_two_factor_and_logout(client, user):
    client.force_login(user)

    html = client.get(reverse("accounts:overview")).content.decode()

    assert "alice@example.com" in html
    for name in ("account_email", "account_change_password", "mfa_activate_totp"):
        assert f'href="{reverse(name)}"' in html
    assert f'<form method="post" action="{reverse("account_logout")}">' in html


def test_account_page_shows_two_factor_state(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    html = client.get("/account/").content.decode()

    assert "An authenticator app protects your account." in html
    assert f'href="{reverse("mfa_index")}"' in html


def test_account_page_asks_to_verify_email_before_two_factor(client, user):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    client.force_login(user)

    html = client.get("/account/").content.decode()

    assert "Not verified" in html
    assert "Verify your email address first" in html
    assert f'href="{reverse("mfa_activate_totp")}"' not in html

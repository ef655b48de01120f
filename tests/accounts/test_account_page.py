"""The account page (/account/) and the admin for the email-login user."""

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import UserFactory


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


def test_user_admin_searches_by_email(client, staff, settings):
    settings.STAFF_REQUIRE_MFA = False
    UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com")
    client.force_login(staff)

    html = client.get("/admin/accounts/user/?q=findme").content.decode()

    assert "findme@example.com" in html
    assert "other@example.com" not in html


def test_user_admin_filters_staff(client, staff, user, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(staff)

    html = client.get("/admin/accounts/user/?is_staff__exact=1").content.decode()

    assert "operator@example.com" in html
    assert "alice@example.com" not in html


def test_user_admin_creates_an_email_login_user(client, staff, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(staff)
    password = "a-long-Admin-chosen-pass-1"

    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "made@example.com", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    assert User.objects.get(email="made@example.com").check_password(password)


def test_user_admin_refuses_an_email_that_differs_only_in_case(client, staff, user, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(staff)
    password = "a-long-Admin-chosen-pass-1"

    response = client.post(
        "/admin/accounts/user/add/",
        {"email": "ALICE@example.com", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert User.objects.count() == 2

"""Sign up, log in, log out, login by code, password reset: through the test client."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import override_settings

from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD

from .conftest import LOGIN_URL, is_logged_in, last_mail_link, path_of

NEW_PASSWORD = "a-brand-new-Passphrase-42"


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_signup_creates_user_logs_in_and_sends_verification(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "New.Customer@Example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    user = User.objects.get(email__iexact="new.customer@example.com")
    assert user.has_usable_password() and not user.is_staff
    assert is_logged_in(client)
    address = EmailAddress.objects.get(user=user)
    assert address.primary and not address.verified
    assert "/accounts/confirm-email/" in mail.outbox[-1].body


def test_signup_refuses_mismatched_passwords_and_creates_nothing(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "x@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"}
    )

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not User.objects.exists()
    assert not is_logged_in(client)


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_signup_with_an_email_that_exists_in_other_case_is_refused(client, user):
    response = client.post(
        "/accounts/signup/", {"email": "ALICE@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert User.objects.count() == 1
    assert not is_logged_in(client)


def test_login_with_email_and_password(client, user):
    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_wrong_password_is_refused(client, user):
    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": "wrong-password"})

    assert response.status_code == 200
    assert b"not correct" in response.content
    assert not is_logged_in(client)


def test_login_honours_a_safe_next_and_ignores_a_foreign_one(client, user):
    response = client.post(LOGIN_URL + "?next=/account/", {"login": "alice@example.com", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/account/"

    client.logout()
    response = client.post(
        LOGIN_URL + "?next=https://evil.example/", {"login": "alice@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == settings.LOGIN_REDIRECT_URL


def test_logout_needs_a_post(client, user):
    client.force_login(user)

    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert is_logged_in(client)

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_logged_in(client)


def test_login_by_code_from_email(client, user):
    response = client.post("/accounts/login/code/", {"email": "alice@example.com"})
    assert response.status_code == 302
    confirm_url = response["Location"]
    assert confirm_url.startswith("/accounts/login/code/confirm/")
    match = re.search(r"^\s*([A-Z]{4}-[A-Z]{4})\s*$", mail.outbox[-1].body, re.MULTILINE)
    assert match, mail.outbox[-1].body
    assert not is_logged_in(client)

    response = client.post(confirm_url, {"code": match.group(1)})

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_by_code_with_a_wrong_code_does_not_log_in(client, user):
    response = client.post("/accounts/login/code/", {"email": "alice@example.com"})
    confirm_url = response["Location"]

    response = client.post(confirm_url, {"code": "BCDF-GHJK"})

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_password_reset_full_flow(client, user):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    link = last_mail_link("/accounts/password/reset/key/")

    # The key link stashes the key in the session and redirects to a key-less URL.
    response = client.get(path_of(link))
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("-set-password/")
    assert client.get(form_url).status_code == 200

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not client.login(email="alice@example.com", password=DEFAULT_PASSWORD)
    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_password_reset_link_works_only_once(client, user):
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    link = path_of(last_mail_link("/accounts/password/reset/key/"))
    form_url = client.get(link)["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    response = client.get(link, follow=True)

    assert b"Bad Token" in response.content or b"invalid" in response.content.lower()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@override_settings(SITE_URL="https://shop.example.com")
def test_email_links_use_site_url_and_brand(client, user):
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})

    message = mail.outbox[-1]
    assert last_mail_link("/accounts/password/reset/key/").startswith("https://shop.example.com/accounts/")
    assert "testserver" not in message.body
    assert message.subject.startswith("[Storefront] ")
    assert "Hello from Storefront!" in message.body


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_mandatory_verification_blocks_login_until_the_link_is_followed(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "bob@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not is_logged_in(client)
    link = path_of(last_mail_link("/accounts/confirm-email/"))

    # A password login before verifying only re-sends the mail.
    other = client.__class__()
    response = other.post(LOGIN_URL, {"login": "bob@example.com", "password": NEW_PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert not is_logged_in(other)

    assert client.get(link).status_code == 200
    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="bob@example.com").verified
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("email_url", "expected"),
    [("consolemail://", "optional"), ("smtp://mailer:secret@smtp.example.com:587", "mandatory")],
)
def test_verification_is_mandatory_exactly_when_real_email_is_configured(email_url, expected):
    import os
    import subprocess
    import sys

    # The test settings ignore EMAIL_URL on purpose, so load the local settings module as
    # `make run` does, without any .env file.
    env = {**os.environ, "EMAIL_URL": email_url, "STOREFRONT_ENV_FILE": ""}
    env.pop("ACCOUNT_EMAIL_VERIFICATION", None)
    code = "import storefront.settings.local as s; print(s.ACCOUNT_EMAIL_VERIFICATION)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == expected

"""The account pages speak one style: sentence case ("Sign in", "Sign up", "Request code"),
never allauth's title case next to the shop's own words."""

import re

import pytest

TITLE_CASE = re.compile(r">\s*(Sign In|Sign Up|Sign Out|Request Code|Password Reset|Log in|Log out)\s*<")


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/accounts/login/code/"]
)
def test_account_pages_use_sentence_case(client, db, url):
    html = client.get(url).content.decode()

    assert TITLE_CASE.search(html) is None, TITLE_CASE.search(html)
    assert "Sign in" in html or "Sign up" in html or "Password reset" in html


def test_the_two_factor_prompt_mentions_recovery_codes(client, user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.urls import reverse

    from tests.factories import DEFAULT_PASSWORD

    TOTP.activate(user, generate_totp_secret())
    client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})

    html = client.get(reverse("mfa_authenticate")).content.decode()

    assert "recovery codes" in html
    assert "Two-factor authentication" in html


def test_recovery_codes_page_has_a_done_button(client, user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    from tests.factories import DEFAULT_PASSWORD

    client.force_login(user)
    reauthenticate = client.get("/accounts/2fa/recovery-codes/")["Location"]  # settings ask for the password again
    response = client.post(reauthenticate, {"password": DEFAULT_PASSWORD}, follow=True)

    html = response.content.decode()

    assert re.search(r'<a href="/account/"[^>]*id="recovery-codes-done"[^>]*>\s*Done\s*</a>', html), html[-3000:]


def test_password_reset_pages_offer_sign_in_and_say_things_once(client, user):
    from .conftest import last_mail_link, path_of

    NEW = "a-brand-new-Passphrase-42"
    done = client.post("/accounts/password/reset/", {"email": user.email}, follow=True).content.decode()
    assert 'id="sign-in-after-reset-request"' in done

    link = path_of(last_mail_link("/accounts/password/reset/key/"))
    form_page = client.get(link, follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {"password1": NEW, "password2": NEW}, follow=True)
    html = response.content.decode()

    assert 'id="sign-in-after-reset"' in html
    assert html.count("changed") == 1  # the message; the page does not repeat it


@pytest.mark.parametrize("verification", ["mandatory"])
def test_sign_up_with_a_registered_email_looks_like_any_sign_up(client, user, settings, verification):
    from django.core import mail

    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    password = "a-brand-new-Passphrase-42"

    taken = client.post("/accounts/signup/", {"email": user.email, "password1": password, "password2": password})
    fresh = client.post("/accounts/signup/", {"email": "new@example.com", "password1": password, "password2": password})

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert any(user.email in message.to for message in mail.outbox)  # the owner is told instead


def test_the_sign_in_code_page_says_the_code_was_sent_once(client, user):
    response = client.post("/accounts/login/code/", {"email": user.email}, follow=True)

    html = response.content.decode()
    assert html.count(user.email) >= 1
    assert "on its way" not in html  # the page's own "We've sent a code to …" is enough
    assert "sent a code to" in html

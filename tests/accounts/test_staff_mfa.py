"""Two-factor auth: optional for everyone, required for staff in the admin with STAFF_REQUIRE_MFA."""

import re
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import override_settings
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

from .conftest import LOGIN_URL, is_logged_in

ACTIVATE_URL = reverse("mfa_activate_totp")


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _confirm_password(client, password: str = DEFAULT_PASSWORD) -> None:
    """allauth asks for the password again before two-factor settings change."""
    response = client.get(ACTIVATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": password})
    assert response["Location"] == ACTIVATE_URL


@override_settings(STAFF_REQUIRE_MFA=True)
def test_staff_without_two_factor_are_sent_to_enrol_before_the_admin(client, staff):
    client.force_login(staff)

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"] == ACTIVATE_URL
    assert ACTIVATE_URL == "/accounts/2fa/totp/activate/"


@override_settings(STAFF_REQUIRE_MFA=True)
def test_staff_with_an_authenticator_app_reach_the_admin(client, staff):
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


@override_settings(STAFF_REQUIRE_MFA=True)
def test_the_requirement_leaves_customers_and_other_pages_alone(client, staff, user):
    client.force_login(staff)
    assert client.get("/account/").status_code == 200

    client.force_login(user)
    assert client.get("/account/").status_code == 200


@override_settings(STAFF_REQUIRE_MFA=False)
def test_without_the_setting_staff_use_the_admin_without_two_factor(client, staff):
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


@override_settings(STAFF_REQUIRE_MFA=True)
def test_staff_enrolment_end_to_end_then_admin_opens(client, staff):
    response = client.post(LOGIN_URL + "?next=/admin/", {"login": "operator@example.com", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == ACTIVATE_URL
    _confirm_password(client)

    page = client.get(ACTIVATE_URL)
    assert page.status_code == 200
    assert b'src="data:image/svg+xml;base64,' in page.content
    secret = re.search(rb'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', page.content).group(1).decode()

    response = client.post(ACTIVATE_URL, {"code": _current_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/admin/").status_code == 200


def test_wrong_code_does_not_activate_two_factor(client, user):
    client.force_login(user)
    _confirm_password(client)

    response = client.post(ACTIVATE_URL, {"code": "000000"})

    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


def test_login_with_two_factor_asks_for_the_code(client, user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert not is_logged_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": _current_code(secret)})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_two_factor_page_is_reachable_from_the_account_page(client, user):
    client.force_login(user)

    page = client.get("/account/").content.decode()

    assert f'href="{ACTIVATE_URL}"' in page
    assert client.get(reverse("mfa_index")).status_code == 200

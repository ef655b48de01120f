"""allauth's rate limits, on the user login and on the admin login (which goes through allauth)."""

from django.test import override_settings

from tests.factories import DEFAULT_PASSWORD

from .conftest import LOGIN_URL, is_logged_in

TOO_MANY = b"Too many failed login attempts"


def _fail_logins(client, email: str, times: int, url: str = LOGIN_URL) -> None:
    for _ in range(times):
        response = client.post(url, {"login": email, "password": "not-the-password"})
        assert response.status_code == 200
        assert TOO_MANY not in response.content
        assert not is_logged_in(client)


def test_sixth_login_for_one_email_is_refused_even_with_the_right_password(client, user):
    _fail_logins(client, "alice@example.com", 5)

    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert TOO_MANY in response.content
    assert not is_logged_in(client)


def test_failed_logins_are_counted_per_email_case_insensitively(client, user):
    _fail_logins(client, "Alice@Example.com", 5)

    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})

    assert TOO_MANY in response.content
    assert not is_logged_in(client)


def test_the_limit_for_one_email_does_not_lock_out_another(client, user, staff):
    _fail_logins(client, "alice@example.com", 5)

    response = client.post(LOGIN_URL, {"login": "operator@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_successful_logins_do_not_use_up_the_failure_budget(client, user):
    _fail_logins(client, "alice@example.com", 4)
    for _ in range(3):
        assert client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD}).status_code == 302
        client.post("/accounts/logout/")

    response = client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302


def test_admin_login_redirects_to_the_allauth_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"

    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_admin_login_form_cannot_be_used_to_guess_passwords(client, staff):
    # The admin's own login form is never processed: a POST is redirected like a GET.
    response = client.post("/admin/login/", {"username": "operator@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not is_logged_in(client)


def test_admin_login_is_rate_limited(client, staff):
    url = LOGIN_URL + "?next=/admin/"
    _fail_logins(client, "operator@example.com", 5, url=url)

    response = client.post(url, {"login": "operator@example.com", "password": DEFAULT_PASSWORD})

    assert TOO_MANY in response.content
    assert not is_logged_in(client)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@override_settings(STAFF_REQUIRE_MFA=False)
def test_staff_reaches_the_admin_after_an_allauth_login(client, staff):
    response = client.post(LOGIN_URL + "?next=/admin/", {"login": "operator@example.com", "password": DEFAULT_PASSWORD})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_logged_in_customer_is_refused_by_the_admin_login(client, user):
    client.force_login(user)

    assert client.get("/admin/login/").status_code == 403


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "1/m/ip"})
def test_a_rate_limited_page_is_a_branded_429_not_a_bare_error(client, db):
    client.post("/accounts/signup/", {"email": "first@example.com", "password1": "x", "password2": "y"})

    response = client.post("/accounts/signup/", {"email": "second@example.com", "password1": "x", "password2": "y"})

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert b"support@example.com" in response.content

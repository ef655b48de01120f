"""Terms and acceptable use policy: accepted at sign-up, and again when the operator publishes a
new version, before the customer uses the dashboard."""

import pytest

from apps.accounts.models import User
from apps.accounts.selectors import brand_get
from apps.accounts.services import brand_update
from apps.core.models import AuditEntry
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-brand-new-Passphrase-42"


def _publish(version: str, *, terms_url="https://shop.example.com/terms", aup_url="https://shop.example.com/aup"):
    brand = brand_get()
    brand.terms_url, brand.aup_url, brand.terms_version = terms_url, aup_url, version
    brand_update(brand=brand)


def _signup(client, **extra):
    return client.post(
        "/accounts/signup/", {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, **extra}
    )


def test_signup_shows_the_links_and_requires_acceptance(client):
    _publish("2026-12")

    page = client.get("/accounts/signup/").content.decode()
    refused = _signup(client)

    assert 'href="https://shop.example.com/terms"' in page and 'href="https://shop.example.com/aup"' in page
    assert refused.status_code == 200
    assert b"Please accept the terms" in refused.content
    assert not User.objects.filter(email="new@example.com").exists()


def test_signup_records_the_accepted_version_and_time(client):
    _publish("2026-12")

    _signup(client, accept_terms="on")

    user = User.objects.get(email="new@example.com")
    assert user.terms_version_accepted == "2026-12"
    assert user.terms_accepted_at is not None
    assert AuditEntry.objects.filter(action="account.terms_accepted", customer=user).exists()


def test_without_published_terms_signup_asks_nothing(client):
    _publish("", terms_url="", aup_url="")

    assert b"accept_terms" not in client.get("/accounts/signup/").content
    _signup(client)

    assert User.objects.filter(email="new@example.com").exists()


def test_a_new_version_sends_the_customer_to_accept_it_before_the_dashboard(client):
    user = UserFactory(terms_version_accepted="2026-01")
    _publish("2026-12")
    client.force_login(user)

    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/account/terms/?next=%2Fdashboard%2F"
    assert client.get("/api/v1/keys").status_code != 302  # the API is not held up
    page = client.get(response["Location"])
    assert b"Our terms have changed" in page.content


def test_accepting_the_new_version_lets_the_customer_carry_on(client):
    user = UserFactory(terms_version_accepted="2026-01")
    _publish("2026-12")
    client.force_login(user)

    response = client.post("/account/terms/", {"accept": "yes", "next": "/dashboard/"})

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    user.refresh_from_db()
    assert user.terms_version_accepted == "2026-12"
    assert client.get("/dashboard/").status_code == 200


def test_the_acceptance_page_refuses_an_unticked_box_and_an_offsite_next(client):
    user = UserFactory(terms_version_accepted="")
    _publish("2026-12")
    client.force_login(user)

    unticked = client.post("/account/terms/", {"next": "/dashboard/"}, follow=True)
    offsite = client.post("/account/terms/", {"accept": "yes", "next": "https://evil.example/"})

    assert b"Please tick the box" in unticked.content
    assert offsite["Location"] == "/dashboard/"


def test_staff_are_not_held_up(client):
    _publish("2026-12")
    client.force_login(StaffFactory())

    assert client.get("/account/").status_code == 200

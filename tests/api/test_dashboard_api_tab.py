"""The dashboard's API tab: a customer creates a key (shown once, after a redirect), names it,
lists their keys and revokes them; someone else's key is a 404; the forms carry CSRF tokens."""

import re

import pytest
from django.test import Client

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create
from apps.core.models import AuditEntry
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import Api

PAGE = "/dashboard/api/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


def create(logged_in, **data):
    payload = {"name": "scraper box 3", "scopes": ["read", "sessions:write"], "expires_in": "", "ip_allowlist": ""}
    return logged_in.post(PAGE, {**payload, **data})


def test_the_page_needs_a_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_links_to_the_api_tab(logged_in, key):
    assert f'href="{PAGE}"' in logged_in.get("/dashboard/").content.decode()


def test_a_new_key_is_shown_once_after_a_redirect_and_works(logged_in, customer):
    response = create(logged_in)
    assert response.status_code == 302 and response["Location"] == PAGE + "#new-key"
    page = logged_in.get(PAGE)
    assert "no-store" in page["Cache-Control"]
    raw = re.search(r'<code id="new-api-key">(sfk_test_[A-Za-z0-9]{40})</code>', page.content.decode()).group(1)
    assert raw not in logged_in.get(PAGE).content.decode()  # once
    key = ApiKey.objects.get(customer=customer)
    assert key.name == "scraper box 3" and key.scopes == ["read", "sessions:write"]
    assert Api(Client(), raw).get("/api/v1/me").status_code == 200
    assert AuditEntry.objects.get(action="api_key.create").customer == customer


def test_expiry_and_allowlist_are_set_from_the_form(logged_in, customer):
    create(logged_in, expires_in="30", ip_allowlist="203.0.113.0/24\n2001:db8::1")
    key = ApiKey.objects.get(customer=customer)
    assert key.expires_at is not None and key.ip_allowlist == ["203.0.113.0/24", "2001:db8::1/128"]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"scopes": []}, "This field is required."), ({"ip_allowlist": "not-an-ip"}, "not an IP address")],
)
def test_bad_input_re_renders_the_form_and_creates_nothing(logged_in, data, message):
    response = create(logged_in, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_list_shows_my_keys_masked_and_not_other_customers(logged_in, customer, other_customer):
    mine, raw = api_key_create(customer=customer, name="mine", scopes=["read"])
    api_key_create(customer=other_customer, name="theirs", scopes=["read"])
    html = logged_in.get(PAGE).content.decode()
    assert "mine" in html and mine.hint in html and raw not in html
    assert "theirs" not in html


def test_revoking_with_htmx_updates_the_list_and_the_key_stops_working(logged_in, customer):
    key, raw = api_key_create(customer=customer, name="old", scopes=["read"])
    response = logged_in.post(f"{PAGE}{key.pk}/revoke/", headers=HTMX)
    assert response.status_code == 200 and "revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert Api(Client(), raw).get("/api/v1/me").status_code == 401


def test_revoking_without_javascript_redirects_back(logged_in, customer):
    key, _ = api_key_create(customer=customer, name="old", scopes=["read"])
    response = logged_in.post(f"{PAGE}{key.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE + "#api-keys"


def test_revoking_someone_elses_key_is_a_404_and_revokes_nothing(logged_in, other_customer):
    theirs, _ = api_key_create(customer=other_customer, name="theirs", scopes=["read"])
    assert logged_in.post(f"{PAGE}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_forms_need_the_csrf_token(customer):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer)
    assert strict.post(PAGE, {"name": "x", "scopes": ["read"]}).status_code == 403
    html = strict.get(PAGE).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert not ApiKey.objects.exists()

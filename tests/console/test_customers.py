"""Customers in the console: search by e-mail, their keys, orders and audit entries on their page,
the audited, read-only "view as customer" that never shows a secret, and the e-mail-login user
(created and found by e-mail, never twice with a different case)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.models import User
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKeyUsageSample
from tests.billing.factories import OrderFactory
from tests.factories import StaffFactory, UserFactory
from tests.proxies.console_support import mint, upstream_key
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


@pytest.fixture
def carol(upstream):
    customer = UserFactory(email="carol@example.com")
    key = mint(customer, cap_gb=Decimal(10))
    OrderFactory(customer=customer, status="provisioned", paid_at=key.created_at, fulfilment_ref=str(key.pk))
    audit_log(action="pool_key.reveal", actor=customer, customer=customer, target=key, ip="203.0.113.5")
    return customer


def view_as_url(user) -> str:
    return reverse("admin:accounts_user_view_as_customer", args=[user.pk])


def test_search_finds_customers_by_email(ops, carol):
    UserFactory(email="dave@example.com")

    html = ops.get(CHANGELIST, {"q": "carol@"}).content.decode()

    assert "carol@example.com" in html
    assert "dave@example.com" not in html


def test_customer_list_counts_keys_and_paid_orders(ops, carol):
    html = ops.get(CHANGELIST, {"q": "carol@"}).content.decode()

    assert '<td class="field-keys">1</td>' in html
    assert '<td class="field-orders_paid">1</td>' in html


def test_customer_page_shows_keys_orders_and_audit_entries_read_only(ops, carol):
    key = carol.pool_keys.get()
    order = carol.orders.get()

    html = ops.get(reverse("admin:accounts_user_change", args=[carol.pk])).content.decode()

    assert key.label in html and key.upstream_id in html
    assert order.reference in html
    assert "pool_key.reveal" in html and "203.0.113.5" in html
    assert "View as customer" in html
    assert upstream_key(key).secret not in html
    assert "pool_keys-0-DELETE" not in html  # nothing to delete or add inline
    for prefix in ("pool_keys", "orders", "audit_entries"):
        assert f'name="{prefix}-MAX_NUM_FORMS" value="0"' in html  # nothing can be added inline


def test_the_add_user_page_still_works_without_inlines(ops):
    response = ops.get(CHANGELIST + "add/")

    assert response.status_code == 200
    assert "proxy keys" not in response.content.decode().lower()


def test_view_as_customer_shows_their_dashboard_read_only_and_is_audited(ops, carol, operator, upstream):
    key = carol.pool_keys.get()
    PoolKeyUsageSample.objects.create(
        pool_key=key,
        day=key.created_at.date(),
        first_used_mb=0,
        last_used_mb=Decimal(300),
        first_sampled_at=key.created_at,
        last_sampled_at=key.created_at,
    )
    upstream.calls.clear()

    response = ops.get(view_as_url(carol))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Read-only view of carol@example.com" in html
    assert key.label in html and key.secret_hint in html
    assert "300 MB used in the last 30 days" in html
    assert carol.orders.get().reference in html
    assert upstream_key(key).secret not in html
    assert "<form" not in html.split('id="content-main"', 1)[1].split("</main>")[0].replace('id="logout-form"', "")
    assert "no-store" in response["Cache-Control"]
    assert sum(upstream.calls.values()) == 0  # mirror only: no upstream call, no reveal
    entry = AuditEntry.objects.get(action="staff.view_as_customer")
    assert (entry.actor, entry.customer, entry.ip) == (operator, carol, "127.0.0.1")


def test_view_as_a_customer_without_a_key(ops):
    newcomer = UserFactory()

    html = ops.get(view_as_url(newcomer)).content.decode()

    assert "No proxy yet" in html


def test_view_as_customer_is_refused_to_non_staff_and_unpermitted_staff(client, carol):
    client.force_login(UserFactory())
    assert "/login/" in client.get(view_as_url(carol))["Location"]

    client.force_login(StaffFactory(is_superuser=False))
    assert client.get(view_as_url(carol)).status_code == 403

    assert not AuditEntry.objects.filter(action="staff.view_as_customer").exists()


def test_view_as_an_unknown_customer_is_a_404(ops):
    assert ops.get(reverse("admin:accounts_user_view_as_customer", args=[999999])).status_code == 404


def test_staff_with_view_permission_may_view_as_customer(client, carol):
    support = StaffFactory(is_superuser=False)
    support.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(support)

    assert client.get(view_as_url(carol)).status_code == 200


def test_brand_settings_stay_a_singleton(ops):
    response = ops.get("/admin/accounts/brandsettings/")

    assert response.status_code == 302
    assert response["Location"].endswith("/admin/accounts/brandsettings/add/")


# The e-mail-login user in the admin ---------------------------------------------------------


def test_user_admin_searches_by_email(ops):
    UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com")

    html = ops.get(CHANGELIST, {"q": "findme"}).content.decode()

    assert "findme@example.com" in html
    assert "other@example.com" not in html


def test_user_admin_filters_staff(ops):
    UserFactory(email="alice@example.com")

    html = ops.get(CHANGELIST, {"is_staff__exact": "1"}).content.decode()

    assert "ops@example.com" in html
    assert "alice@example.com" not in html


def test_user_admin_creates_an_email_login_user(ops):
    password = "a-long-Admin-chosen-pass-1"

    response = ops.post(
        CHANGELIST + "add/",
        {"email": "made@example.com", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    assert User.objects.get(email="made@example.com").check_password(password)


def test_user_admin_refuses_an_email_that_differs_only_in_case(ops):
    UserFactory(email="alice@example.com")
    password = "a-long-Admin-chosen-pass-1"

    response = ops.post(
        CHANGELIST + "add/",
        {"email": "ALICE@example.com", "usable_password": "true", "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert User.objects.count() == 2

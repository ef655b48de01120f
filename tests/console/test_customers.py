"""Customers in the console: search by e-mail, their keys, orders and audit entries on their page,
the audited, read-only "view as customer" that never shows a secret, and the e-mail-login user
(created and found by e-mail, never twice with a different case)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiKey, User
from apps.billing.models import Order
from apps.core.services import audit_log
from apps.proxies.models import PoolKeyAlert, PoolKeyAlertKind
from tests.billing.factories import OrderFactory, PaymentFactory
from tests.factories import UserFactory
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


def test_the_customer_page_shows_spend_lifetime_value_payments_alerts_api_keys_and_ports(ops, carol):
    key = carol.pool_keys.get()
    order = carol.orders.get()
    PaymentFactory(order=order, confirmed=True, amount_received=Decimal("35.00"), payment_reference="pi_carol_1")
    Order.objects.filter(pk=order.pk).update(amount_refunded=Decimal("5.00"))
    PoolKeyAlert.objects.create(pool_key=key, kind=PoolKeyAlertKind.USAGE_80, claimed_at=timezone.now())
    ApiKey.objects.create(
        customer=carol, name="cron job", mode="live", lookup="AbCdEf12", secret_hash="0" * 64, last4="7f2a"
    )

    html = ops.get(reverse("admin:accounts_user_change", args=[carol.pk])).content.decode()

    assert "Spend and lifetime value" in html
    assert '<td id="ltv-usd"><strong>30.00</strong></td>' in html  # 35 charged - 5 refunded
    assert "pi_carol_1" in html
    assert "80 % of the cap used" in html
    assert "cron job" in html and "AbCdEf12…7f2a" in html
    assert "No dedicated ports." in html


def test_a_customer_page_offers_no_staff_permissions_but_a_staff_page_does(ops, carol, operator):
    customer_page = ops.get(reverse("admin:accounts_user_change", args=[carol.pk])).content.decode()
    staff_page = ops.get(reverse("admin:accounts_user_change", args=[operator.pk])).content.decode()

    assert 'name="is_active"' in customer_page and 'name="is_staff"' in customer_page
    for field in ('name="is_superuser"', 'name="groups"', 'name="user_permissions"'):
        assert field not in customer_page
        assert field in staff_page
    assert "View as customer" not in staff_page


def test_saving_a_customer_page_keeps_working(ops, carol):
    response = ops.post(
        reverse("admin:accounts_user_change", args=[carol.pk]),
        {
            "email": carol.email,
            "name": "Carol C.",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            **{f"{prefix}-{field}": value for prefix in ("pool_keys", "orders", "audit_entries")
               for field, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))},
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    carol.refresh_from_db()
    assert carol.name == "Carol C." and not carol.is_staff


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

"""View as customer (issue 15): staff open the customer's REAL dashboard, read-only. Every page
outside the console is served as the customer; every request that could change something is
refused with a clear page before any view runs, and audited; the console stays the staff
member's own; it ends with Exit, by itself after its time, or when the permission goes."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.console.view_as import SESSION_KEY, VIEW_AS_MINUTES
from apps.core.models import AuditEntry
from tests.billing.factories import OrderFactory
from tests.factories import StaffFactory, UserFactory
from tests.proxies.console_support import mint, upstream_key
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(monkeypatch):
    sandbox_upstream(monkeypatch)
    customer = UserFactory(email="carol@example.com")
    key = mint(customer, cap_gb=Decimal(10))
    OrderFactory(customer=customer, status="provisioned", paid_at=key.created_at, fulfilment_ref=str(key.pk))
    return customer


def view_as_url(user) -> str:
    return reverse("admin:accounts_user_view_as_customer", args=[user.pk])


def _start(client, customer):
    return client.post(view_as_url(customer))


def test_the_console_page_explains_and_the_button_opens_the_real_dashboard(ops, carol, operator):
    page = ops.get(view_as_url(carol)).content.decode()

    response = _start(ops, carol)
    dashboard = ops.get(response["Location"])

    assert "Open carol@example.com's dashboard (read-only)" in page
    assert response.status_code == 302 and response["Location"] == reverse("proxies:dashboard")
    html = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert "Staff view of carol@example.com" in html  # the banner
    assert 'Signed in as <span class="email">carol@example.com</span>' in html  # their real dashboard
    assert carol.pool_keys.get().secret_hint in html  # their key, masked as they see it
    assert upstream_key(carol.pool_keys.get()).secret not in html
    assert "no-store" in dashboard["Cache-Control"]
    entry = AuditEntry.objects.get(action="staff.view_as_customer")
    assert (entry.actor, entry.customer, entry.ip) == (operator, carol, "127.0.0.1")


def test_every_customer_page_is_theirs_while_it_lasts(ops, carol):
    _start(ops, carol)

    orders = ops.get("/dashboard/orders/")
    api_keys = ops.get("/dashboard/api/")

    assert orders.status_code == 200
    assert carol.orders.get().plan_name in orders.content.decode()
    assert "No orders yet" not in orders.content.decode()
    assert api_keys.status_code == 200 and "Staff view of carol@example.com" in api_keys.content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/dashboard/api/", {"name": "sneaky", "scopes": ["read"]}),
        ("/accounts/logout/", {}),
        ("/accounts/password/change/", {"oldpassword": "x", "password1": "y", "password2": "y"}),
    ],
)
def test_every_write_is_refused_with_a_clear_page_and_audited(ops, carol, operator, path, data):
    _start(ops, carol)

    response = ops.post(path, data)

    assert response.status_code == 403
    html = response.content.decode()
    assert "Nothing was changed" in html and path in html
    assert not ApiKey.objects.filter(customer=carol).exists()
    entry = AuditEntry.objects.get(action="staff.view_as_write_refused")
    assert (entry.actor, entry.customer, entry.data["method"], entry.data["path"]) == (operator, carol, "POST", path)


def test_a_secret_reveal_is_refused_and_never_reaches_the_upstream(ops, carol):
    key = carol.pool_keys.get()
    _start(ops, carol)

    response = ops.post(f"/dashboard/keys/{key.pk}/reveal/", HTTP_ACCEPT="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only"
    assert upstream_key(key).secret not in response.content.decode()
    assert not AuditEntry.objects.filter(action="pool_key.reveal").exists()


def test_the_console_stays_the_staff_members_and_exit_ends_it(ops, carol, operator):
    _start(ops, carol)

    console = ops.get("/admin/")
    response = ops.post(reverse("admin:view_as_stop"))
    after = ops.get("/dashboard/")

    assert console.status_code == 200 and "ops@example.com" in console.content.decode()
    assert response["Location"] == reverse("admin:accounts_user_change", args=[carol.pk])
    assert "Staff view of" not in after.content.decode()
    assert SESSION_KEY not in ops.session
    assert AuditEntry.objects.filter(action="staff.view_as_ended", actor=operator, customer=carol).exists()


def test_it_ends_by_itself_after_its_time(ops, carol):
    _start(ops, carol)

    with time_machine.travel(timezone.now() + timedelta(minutes=VIEW_AS_MINUTES + 1)):
        html = ops.get("/dashboard/").content.decode()

    assert "Staff view of" not in html
    assert 'Signed in as <span class="email">carol@example.com</span>' not in html


def test_staff_accounts_cannot_be_viewed(ops):
    colleague = StaffFactory(email="colleague@example.com")

    page = ops.get(view_as_url(colleague)).content.decode()
    response = _start(ops, colleague)

    assert "only customers can be viewed" in page
    assert response.status_code == 403
    assert SESSION_KEY not in ops.session


def test_view_as_is_refused_to_non_staff_and_unpermitted_staff(client, carol):
    client.force_login(UserFactory())
    assert "/login/" in _start(client, carol)["Location"]

    client.force_login(StaffFactory(is_superuser=False))
    assert client.get(view_as_url(carol)).status_code == 403
    assert _start(client, carol).status_code == 403

    assert not AuditEntry.objects.filter(action="staff.view_as_customer").exists()


def test_staff_with_the_view_permission_may_view_and_losing_it_ends_the_view(client, carol):
    support = StaffFactory(is_superuser=False)
    support.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(support)
    _start(client, carol)
    assert "Staff view of carol@example.com" in client.get("/dashboard/").content.decode()

    support.user_permissions.clear()
    html = client.get("/dashboard/").content.decode()

    assert "Staff view of" not in html


def test_view_as_an_unknown_customer_is_a_404(ops):
    assert ops.get(reverse("admin:accounts_user_view_as_customer", args=[999999])).status_code == 404

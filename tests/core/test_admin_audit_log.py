"""The local audit log in the console: read-only, who / what / when / from where, filterable."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.core.services import audit_log
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/core/auditentry/"


@pytest.fixture
def entries():
    operator, customer = StaffFactory(email="ops@example.com"), UserFactory(email="carol@example.com")
    staff_entry = audit_log(
        action="console.grant_gb",
        actor=operator,
        customer=customer,
        target=customer,
        reason="goodwill",
        ip="198.51.100.7",
    )
    customer_entry = audit_log(action="pool_key.reveal", actor=customer, customer=customer, ip="203.0.113.5")
    system_entry = audit_log(action="order.paid", customer=customer, reason="stripe checkout.session.completed")
    return staff_entry, customer_entry, system_entry


@pytest.fixture
def ops(client):
    client.force_login(StaffFactory())
    return client


def test_the_list_says_who_did_what_when_and_from_where(ops, entries):
    html = ops.get(URL).content.decode()

    assert "console.grant_gb" in html and "ops@example.com (staff)" in html and "198.51.100.7" in html
    assert "pool_key.reveal" in html and "203.0.113.5" in html
    assert "system" in html and "order.paid" in html
    assert reverse("admin:accounts_user_change", args=[entries[0].customer_id]) in html  # target and customer link


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("by=staff", "console.grant_gb", "pool_key.reveal"),
        ("by=customer", "pool_key.reveal", "console.grant_gb"),
        ("by=system", "order.paid", "pool_key.reveal"),
        ("group=order", "order.paid", "console.grant_gb"),
        ("q=goodwill", "console.grant_gb", "order.paid"),
        ("q=carol@example.com", "pool_key.reveal", "nothing-to-hide"),
    ],
)
def test_filters_and_search(ops, entries, query, shown, hidden):
    html = ops.get(f"{URL}?{query}").content.decode()

    assert f">{shown}<" in html
    assert f">{hidden}<" not in html


def test_links_from_key_and_customer_pages_filter_by_target_and_customer(ops, entries):
    customer_id = entries[0].customer_id

    by_target = ops.get(f"{URL}?target_type=accounts.user&target_id={customer_id}")
    by_customer = ops.get(f"{URL}?customer__id__exact={customer_id}")

    assert by_target.status_code == 200 and ">console.grant_gb<" in by_target.content.decode()
    assert ">order.paid<" not in by_target.content.decode()
    assert by_customer.status_code == 200 and ">order.paid<" in by_customer.content.decode()


def test_entries_cannot_be_added_changed_or_deleted(ops, entries):
    entry = entries[0]
    change = reverse("admin:core_auditentry_change", args=[entry.pk])

    assert ops.get(URL + "add/").status_code == 403
    page = ops.get(change)
    assert page.status_code == 200 and "goodwill" in page.content.decode()
    assert ops.post(change, {"reason": "edited"}).status_code == 403
    assert ops.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    response = ops.post(URL, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.reason == "goodwill"
    assert AuditEntry.objects.count() == 3


def test_customers_cannot_read_the_audit_log(client, entries):
    client.force_login(UserFactory())

    response = client.get(URL)

    assert response.status_code == 302 and "/login/" in response["Location"]

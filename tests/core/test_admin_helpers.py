"""The admin helpers every admin module shares."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from apps.core.admin_helpers import ReadOnlyInline, admin_link, customer_link, pretty_json, short_text
from apps.core.models import AuditEntry
from tests.factories import StaffFactory, UserFactory


@pytest.mark.django_db
def test_customer_link_points_at_the_customers_page_by_email():
    customer = UserFactory(email="carol@example.com")

    html = customer_link(customer)

    assert html == f'<a href="/admin/accounts/user/{customer.pk}/change/">carol@example.com</a>'


def test_links_to_nothing_are_a_dash():
    assert customer_link(None) == "—"
    assert admin_link(None) == "—"


def test_link_text_is_escaped():
    customer = UserFactory.build(pk=7, email="<b>@example.com")

    assert "&lt;b&gt;@example.com" in customer_link(customer)


def test_short_text_cuts_long_text_with_an_ellipsis():
    assert short_text("x" * 60) == "x" * 60
    assert short_text("x" * 61) == "x" * 57 + "…"


def test_pretty_json_is_sorted_indented_and_escaped():
    assert (
        pretty_json({"b": 1, "a": "<i>"})
        == "<pre>{\n  &quot;a&quot;: &quot;&lt;i&gt;&quot;,\n  &quot;b&quot;: 1\n}</pre>"
    )


@pytest.mark.django_db
def test_a_read_only_inline_offers_no_add_change_or_delete_even_to_a_superuser():
    class Inline(ReadOnlyInline):
        model = AuditEntry
        fk_name = "customer"

    request = RequestFactory().get("/")
    request.user = StaffFactory(is_superuser=True)
    inline = Inline(AuditEntry, admin.site)

    assert not inline.has_add_permission(request, None)
    assert not inline.has_change_permission(request, None)
    assert not inline.has_delete_permission(request, None)
    assert inline.has_view_permission(request, None)

"""The dashboard's cost does not grow with what the customer has (issue: performance): a fixed
number of SQL queries and a small page, for a customer with 20 keys, 200 orders and 50 live
sessions, and no upstream call on the page's request path."""

import pytest
from django.urls import reverse

from tests.proxies.support import add_busy_load, make_plan, mint_key

DASHBOARD_MAX_QUERIES = 8
DASHBOARD_MAX_BYTES = 30 * 1024


@pytest.fixture
def busy_customer(upstream, customer):
    add_busy_load(customer, keys=[mint_key(customer) for _ in range(20)], plan=make_plan())
    return customer


def test_dashboard_query_count_is_fixed_for_a_busy_customer(
    busy_customer, customer_client, upstream, django_assert_max_num_queries
):
    customer_client.get(reverse("proxies:dashboard"))  # warm the feed caches, as any page view does
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = customer_client.get(reverse("proxies:dashboard"))
    assert response.status_code == 200


def test_dashboard_page_is_small_for_a_busy_customer(busy_customer, customer_client, upstream):
    customer_client.get(reverse("proxies:dashboard"))
    response = customer_client.get(reverse("proxies:dashboard"))
    assert len(response.content) <= DASHBOARD_MAX_BYTES


def test_builder_suggestions_are_one_cacheable_file_named_by_its_content(db, client):
    from apps.proxies.dashboard.formats import SUGGESTIONS_VERSION, suggestions_url

    response = client.get(suggestions_url())
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.json()["de"]["carriers"] == ["telekom", "vodafone", "o2"]
    assert SUGGESTIONS_VERSION in suggestions_url()
    assert client.get(suggestions_url().replace(SUGGESTIONS_VERSION, "0" * 12)).status_code == 404


def test_without_a_script_the_chosen_countrys_suggestions_are_in_the_page(customer, customer_client, upstream):
    key = mint_key(customer)
    form = {"key": key.pk, "pool": "mbl", "country": "de", "rotation": "sticky", "protocol": "http", "sid_part": "a1"}
    html = customer_client.post(reverse("proxies:dashboard"), form).content.decode()
    carriers = html.split('<datalist id="carrier-list">')[1].split("</datalist>")[0]
    assert '<option value="telekom">' in carriers and '<option value="att">' not in carriers


def test_manage_card_follows_the_page_and_is_a_page_of_its_own_without_scripts(customer, customer_client, upstream):
    key = mint_key(customer)
    html = customer_client.get(reverse("proxies:dashboard")).content.decode()
    assert f'hx-get="/dashboard/keys/{key.pk}/manage/"' in html
    card = customer_client.get(f"/dashboard/keys/{key.pk}/manage/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="rename-form"' in card and "<html" not in card
    page = customer_client.get(f"/dashboard/keys/{key.pk}/manage/").content.decode()
    assert 'id="rename-form"' in page and "<html" in page

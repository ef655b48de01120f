"""Several keys on the dashboard (issue 11): the key switcher, every panel for the selected key,
rename, delete, usage alert levels and the usage CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from apps.proxies.services import feeds
from apps.proxies.services.usage import usage_samples_record
from apps.sandbox.upstream.models import SandboxKey
from tests.proxies.support import mint_key, open_session

OP = "a" * 32


def page(client, key=None) -> str:
    url = reverse("proxies:dashboard") + (f"?key={key.pk}" if key is not None else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def two_keys(upstream, customer):
    first = mint_key(customer, cap_gb=Decimal(10))
    PoolKey.objects.filter(pk=first.pk).update(label="Scraper")
    second = mint_key(customer, cap_gb=Decimal(20))
    PoolKey.objects.filter(pk=second.pk).update(label="Shop monitor")
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def test_the_switcher_lists_every_key_and_the_page_shows_the_chosen_one(customer_client, two_keys):
    first, second = two_keys
    html = page(customer_client)
    assert "Scraper" in html and "Shop monitor" in html
    assert f'href="/dashboard/?key={first.pk}"' in html and f'href="/dashboard/?key={second.pk}"' in html
    # The newest key by default; ?key= picks another, and every panel follows it.
    assert f'data-key-id="{second.pk}" aria-current="page"' in html
    html = page(customer_client, first)
    assert f'data-key-id="{first.pk}" aria-current="page"' in html
    assert f'action="/dashboard/keys/{first.pk}/reveal/"' in html
    assert f'action="/dashboard/keys/{first.pk}/bulk/"' in html
    assert f'href="/dashboard/keys/{first.pk}/regenerate/"' in html
    assert f"{first.session_tag}_" in html and f"{second.session_tag}_" not in html
    buy = customer_client.get(f"/dashboard/keys/{first.pk}/buy/").content.decode()
    assert f'<option value="{first.pk}" selected>' in buy  # a purchase tops up the key they came from
    assert "0.00 of 10 GB" in html and "0.00 of 20 GB" in html


def test_with_many_keys_the_page_lists_the_shown_one_and_loads_the_rest(customer_client, customer, two_keys):
    for _ in range(6):
        mint_key(customer)
    first, _second = two_keys
    html = page(customer_client, first)
    assert html.count('class="key-link"') == 1 and f'data-key-id="{first.pk}" aria-current="page"' in html
    assert f'hx-get="/dashboard/keys/?key={first.pk}"' in html
    rest = customer_client.get(f"/dashboard/keys/?key={first.pk}").content.decode()
    assert rest.count('class="key-link"') == 8 and f'data-key-id="{first.pk}" aria-current="page"' in rest


@pytest.mark.parametrize("bad", ["999999", "abc", ""])
def test_another_customers_or_an_unknown_key_is_a_404(customer_client, two_keys, other_customer, bad):
    theirs = mint_key(other_customer)
    assert customer_client.get(f"/dashboard/?key={theirs.pk}").status_code == 404
    expected = 200 if bad == "" else 404
    assert customer_client.get(f"/dashboard/?key={bad}").status_code == expected


def test_sessions_are_shown_for_the_selected_key_only(customer_client, two_keys):
    first, second = two_keys
    open_session(first, "one")
    open_session(second, "two")
    feeds.sessions_feed_invalidate()
    html = customer_client.get(reverse("proxies:sessions") + f"?key={first.pk}").content.decode()
    assert f"{first.session_tag}_one" in html and f"{second.session_tag}_two" not in html
    html = customer_client.get(reverse("proxies:sessions") + f"?key={second.pk}").content.decode()
    assert f"{second.session_tag}_two" in html and f"{first.session_tag}_one" not in html


def test_the_builder_builds_for_the_selected_key(customer_client, two_keys):
    first, _ = two_keys
    response = customer_client.post(
        reverse("proxies:dashboard"),
        {
            "key": str(first.pk),
            "pool": "mbl",
            "country": "",
            "rotation": "sticky",
            "protocol": "http",
            "sid_part": "x1",
        },
    )
    assert response.status_code == 200
    assert f"sid-{first.session_tag}_x1" in response.content.decode()


def test_rename_changes_the_label_upstream_and_redirects_back(customer_client, two_keys):
    first, _ = two_keys
    response = customer_client.post(reverse("proxies:key_rename", args=[first.pk]), {"op": OP, "label": "Crawler EU"})
    assert response.status_code == 302 and response["Location"] == f"/dashboard/?key={first.pk}#key-actions"
    first.refresh_from_db()
    assert first.label == "Crawler EU"
    assert SandboxKey.objects.get(public_id=first.upstream_id).label == "Crawler EU"
    assert AuditEntry.objects.filter(action="pool_key.relabel", target_id=str(first.pk)).count() == 1
    # A double submit renames once.
    customer_client.post(reverse("proxies:key_rename", args=[first.pk]), {"op": OP, "label": "Crawler EU"})
    assert AuditEntry.objects.filter(action="pool_key.relabel", target_id=str(first.pk)).count() == 1


def test_a_key_with_traffic_left_cannot_be_deleted(customer_client, two_keys):
    first, _ = two_keys
    html = customer_client.get(reverse("proxies:key_delete", args=[first.pk])).content.decode()
    assert "still has 10.00 GB left" in html
    response = customer_client.post(reverse("proxies:key_delete", args=[first.pk]), {"confirm": "on"})
    assert response.status_code == 400
    first.refresh_from_db()
    assert first.deleted_at is None


@pytest.mark.parametrize("why", ["expired", "used_up"])
def test_an_expired_or_used_up_key_can_be_deleted(customer_client, two_keys, why):
    first, second = two_keys
    if why == "expired":
        PoolKey.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    else:
        PoolKey.objects.filter(pk=first.pk).update(used_mb=Decimal(10 * 1024))
    response = customer_client.post(reverse("proxies:key_delete", args=[first.pk]), {"confirm": "on"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.deleted_at is not None
    assert customer_client.get(f"/dashboard/?key={first.pk}").status_code == 404
    assert f"?key={first.pk}" not in page(customer_client)


def test_alert_levels_are_per_key(customer_client, two_keys):
    first, second = two_keys
    response = customer_client.post(
        reverse("proxies:key_alerts", args=[first.pk]), {"warn_percent": "50", "full_percent": "90"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.alert_warn_percent, first.alert_full_percent) == (50, 90)
    assert (second.alert_warn_percent, second.alert_full_percent) == (80, 100)
    bad = customer_client.post(
        reverse("proxies:key_alerts", args=[first.pk]), {"warn_percent": "95", "full_percent": "90"}
    )
    assert bad.status_code == 302
    first.refresh_from_db()
    assert first.alert_warn_percent == 50


def test_alerts_fire_at_the_keys_own_levels(upstream, customer, mailoutbox):
    from apps.proxies.services import pool_key_alerts_run

    key = mint_key(customer, cap_gb=Decimal(10))
    other = mint_key(customer, cap_gb=Decimal(10))
    PoolKey.objects.filter(pk=key.pk).update(alert_warn_percent=50, alert_full_percent=90)
    PoolKey.objects.filter(pk__in=[key.pk, other.pk]).update(used_mb=Decimal("5.5") * 1024)

    result = pool_key_alerts_run()

    assert result.sent == [(key.pk, "usage_80")]
    assert "You have used 50 % of your proxy traffic" in mailoutbox[0].subject


def test_usage_csv_for_one_key_or_all(customer_client, two_keys, other_customer):
    first, second = two_keys
    theirs = mint_key(other_customer)
    for key, mb in ((first, 100), (second, 300), (theirs, 999)):
        PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(mb))
    usage_samples_record(keys=PoolKey.objects.all())

    one = customer_client.get(reverse("proxies:usage_csv") + f"?key={first.pk}")
    assert one.status_code == 200 and one["Content-Type"].startswith("text/csv")
    assert f"usage-key-{first.pk}-90d-" in one["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(one.content.decode())))
    assert rows[0][0] == "date" and len(rows) == 91
    assert {r[3] for r in rows[1:]} == {first.upstream_id}

    every = customer_client.get(reverse("proxies:usage_csv") + "?key=all&days=7")
    rows = list(csv.reader(io.StringIO(every.content.decode())))
    assert {r[3] for r in rows[1:]} == {first.upstream_id, second.upstream_id}
    assert customer_client.get(reverse("proxies:usage_csv") + f"?key={theirs.pk}").status_code == 404

"""Proxy keys through the API: read from the mirror, renamed upstream, the secret revealed through
the same audited reveal and limit as the dashboard, regenerated (once per Idempotency-Key), and
the daily usage series as JSON or CSV."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.models import PoolKeyUsageSample
from apps.sandbox.upstream.faults import inject
from tests.api.conftest import *  # noqa: F403 (the shared API fixtures)
from tests.api.conftest import error_of
from tests.proxies.factories import PoolKeyFactory
from tests.proxies.fakes import key_accepts

# Authentication, the throttle's bookkeeping, one page of keys and its count.
LIST_QUERIES = 6


def current_secret(upstream, key) -> str:
    return upstream.client.reveal_key(key.upstream_id).secret


def test_a_key_reads_as_on_the_dashboard_without_calling_the_upstream(api, upstream, key):
    calls_before = sum(upstream.calls.values())
    body = api.get(f"/api/v1/keys/{key.pk}").json()
    assert body["id"] == key.pk and body["label"] == key.label and body["status"] == "active"
    assert body["secret_hint"] == key.secret_hint and body["session_prefix"] == f"{key.session_tag}_"
    assert body["cap_gb"] == "10.000" and body["remaining_gb"] == "10.000" and body["unlimited"] is False
    assert sum(upstream.calls.values()) == calls_before


def test_renaming_a_key_renames_it_upstream_and_is_audited(api, upstream, key, customer):
    response = api.patch(f"/api/v1/keys/{key.pk}", {"label": "  scraper box 3 "})
    assert response.status_code == 200 and response.json()["label"] == "scraper box 3"
    assert upstream.client.get_key(key.upstream_id).label == "scraper box 3"
    entry = AuditEntry.objects.get(action="pool_key.relabel")
    assert entry.actor == customer and entry.data["label_after"] == "scraper box 3"


def test_an_empty_patch_changes_nothing(api, upstream, key):
    assert api.patch(f"/api/v1/keys/{key.pk}", {}).json()["label"] == key.label
    assert upstream.calls["update_key"] == 0


def test_a_blank_label_is_refused(api, upstream, key):
    response = api.patch(f"/api/v1/keys/{key.pk}", {"label": "   "})
    assert response.status_code == 400 and error_of(response)["param"] == "label"
    assert upstream.calls["update_key"] == 0


def test_reveal_returns_the_secret_audited_and_uncached(api, upstream, key, customer):
    response = api.post(f"/api/v1/keys/{key.pk}/reveal")
    assert response.json() == {"secret": current_secret(upstream, key)}
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="pool_key.reveal")
    assert entry.actor == customer and "pak_" not in str(entry.data).replace("pak_••••", "")


REVEAL_LIMIT = 4


def test_reveals_share_the_dashboards_limit(api, upstream, key, client, customer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "key_reveal": f"{REVEAL_LIMIT}/10m/user"}
    client.force_login(customer)
    for _ in range(REVEAL_LIMIT - 1):
        client.post(f"/dashboard/keys/{key.pk}/reveal/", headers={"Accept": "application/json"})
    assert api.post(f"/api/v1/keys/{key.pk}/reveal").status_code == 200
    response = api.post(f"/api/v1/keys/{key.pk}/reveal")
    assert response.status_code == 429
    assert error_of(response)["code"] == "reveal_rate_limited" and int(response["Retry-After"]) > 0
    assert upstream.calls["reveal_key"] == REVEAL_LIMIT


def test_reveal_while_the_upstream_fails_is_a_503_that_shows_nothing(api, upstream, key):
    with inject(status=503, path="/reseller/pool-keys/*/reveal"):
        response = api.post(f"/api/v1/keys/{key.pk}/reveal")
    assert response.status_code == 503
    assert error_of(response)["type"] == "service_unavailable"
    assert not AuditEntry.objects.filter(action="pool_key.reveal").exists()


def test_regenerate_returns_a_new_secret_and_the_old_one_stops_working(api, upstream, key):
    old = current_secret(upstream, key)
    body = api.post(f"/api/v1/keys/{key.pk}/regenerate").json()
    assert body["secret"] != old and body["secret"].startswith("pak_")
    assert body["key"]["secret_hint"].endswith(body["secret"][-4:])
    assert not key_accepts(old) and key_accepts(body["secret"])


def test_regenerate_with_an_idempotency_key_rotates_once(api, upstream, key):
    headers = {"Idempotency-Key": "rotate-2026-12-01"}
    first = api.post(f"/api/v1/keys/{key.pk}/regenerate", headers=headers).json()
    again = api.post(f"/api/v1/keys/{key.pk}/regenerate", headers=headers).json()
    assert again["secret"] == first["secret"]
    assert key_accepts(first["secret"])
    assert AuditEntry.objects.filter(action="pool_key.regenerate").count() == 1


def sample(key, day: date, first_mb: str, last_mb: str) -> None:
    moment = timezone.now()
    PoolKeyUsageSample.objects.create(
        pool_key=key,
        day=day,
        first_used_mb=Decimal(first_mb),
        last_used_mb=Decimal(last_mb),
        first_sampled_at=moment,
        last_sampled_at=moment,
    )


def test_usage_is_a_daily_series_for_the_range(api, key):
    today = timezone.now().date()
    sample(key, today - timedelta(days=1), "0", "1024")
    sample(key, today, "1024", "1536")
    body = api.get(f"/api/v1/keys/{key.pk}/usage", {"from": str(today - timedelta(days=2)), "to": str(today)}).json()
    assert [d["date"] for d in body["days"]] == [str(today - timedelta(days=n)) for n in (2, 1, 0)]
    assert [d["used_mb"] for d in body["days"]] == ["0.000", "1024.000", "512.000"]
    assert body["total_gb"] == "1.500000"


def test_usage_as_csv(api, key, customer):
    today = timezone.now().date()
    sample(key, today, "0", "2048")
    response = api.get(f"/api/v1/keys/{key.pk}/usage", {"from": str(today), "to": str(today), "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "date" and rows[1][:2] == [str(today), customer.email]
    assert response["RateLimit-Remaining"]


def test_a_usage_range_backwards_or_longer_than_a_year_is_refused(api, key):
    backwards = api.get(f"/api/v1/keys/{key.pk}/usage", {"from": "2026-03-02", "to": "2026-03-01"})
    too_long = api.get(f"/api/v1/keys/{key.pk}/usage", {"from": "2024-01-01", "to": "2026-01-01"})
    not_a_date = api.get(f"/api/v1/keys/{key.pk}/usage", {"from": "yesterday"})
    for response in (backwards, too_long, not_a_date):
        assert response.status_code == 400 and error_of(response)["param"] == "from"


def test_listing_keys_is_a_few_queries_whatever_their_number_and_never_calls_the_upstream(
    api, upstream, key, customer, django_assert_max_num_queries
):
    for n in range(19):
        PoolKeyFactory(customer=customer, upstream_id=f"pk_list_{n:02d}")
    api.get("/api/v1/keys")  # the first request warms the per-process caches
    calls_before = sum(upstream.calls.values())

    with django_assert_max_num_queries(LIST_QUERIES):
        body = api.get("/api/v1/keys").json()

    assert len(body["data"]) == 20
    assert sum(upstream.calls.values()) == calls_before

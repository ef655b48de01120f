"""The pool-key console's own pages read their query strings as hostile: a `before` that is no
date (or no date in UTC), an unknown action filter or a `days` that is no number is ignored
with a message or a default, never a 500."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory
from tests.proxies.fakes import sandbox_upstream

from .console_support import CHANGELIST, mint

pytestmark = pytest.mark.django_db

IGNORED_BEFORE = "Ignored &#x27;before&#x27;: it is not a date and time"


@pytest.fixture
def ops(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def key(monkeypatch):
    upstream = sandbox_upstream(monkeypatch)
    key = mint(UserFactory(), cap_gb=Decimal(10))
    key.upstream = upstream
    return key


def audit_url(key) -> str:
    return reverse("admin:proxies_poolkey_upstream_audit", args=[key.pk])


def before_sent_upstream(key) -> list:
    return [kwargs.get("before") for name, _args, kwargs in key.upstream.log if name == "key_audit"]


@pytest.mark.parametrize(
    "before",
    [
        "2024-13-45T00:00:00",  # no such month or day
        "2024-01-01T00:00:00+99:99",  # no such offset
        "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
        "yesterday",
        "2024-01-01T25:00:00",
    ],
)
def test_upstream_audit_ignores_a_before_that_is_no_date_with_a_message(ops, key, before):
    response = ops.get(audit_url(key), {"before": before})

    assert response.status_code == 200
    html = response.content.decode()
    assert IGNORED_BEFORE in html
    assert "<code>create</code>" in html  # the newest page instead
    assert before_sent_upstream(key) == [None]


def test_upstream_audit_pages_back_from_a_valid_before_in_utc(ops, key):
    response = ops.get(audit_url(key), {"before": "2030-01-01T02:00:00+02:00"})

    assert response.status_code == 200
    assert IGNORED_BEFORE not in response.content.decode()
    assert before_sent_upstream(key) == [datetime(2030, 1, 1, 0, 0, tzinfo=UTC)]


def test_upstream_audit_ignores_an_action_it_does_not_know_with_a_message(ops, key):
    response = ops.get(audit_url(key), {"action": "<script>"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ignored the action filter" in html
    assert "<code>create</code>" in html
    assert "<script>" not in html


@pytest.mark.parametrize("days", ["", "abc", "-5", "0", "1e9", "9" * 5000, "99999999999999999999"])
def test_usage_csv_takes_a_bad_days_as_a_default_or_the_nearest_bound(ops, key, days):
    for url in (CHANGELIST + "usage.csv", reverse("admin:proxies_poolkey_key_usage_csv", args=[key.pk])):
        response = ops.get(url, {"days": days})

        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"date,")

"""Customer alerts (80 % / 100 % of the cap, 7 days / 1 day before expiry) and operator alerts
(upstream auth errors), driven by the real jobs against the sandbox with simulated traffic:
each alert goes out once per key and threshold, a top-up re-arms it, and nothing spams."""

import random
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.models import AuditEntry, OperatorAlert
from apps.proxies import tasks
from apps.proxies.models import PoolKey, PoolKeyAlert, PoolKeyAlertKind
from apps.proxies.services import (
    idempotency_key_for,
    pool_key_alerts_run,
    pool_key_extend,
    pool_key_top_up,
    upstream_auth_alert_check,
    usage_sync_run,
)
from apps.proxies.upstream.health import upstream_health_clear
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxKey
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic
from tests.factories import UserFactory
from tests.proxies.factories import PoolKeyFactory
from tests.proxies.fakes import sandbox_upstream

from .console_support import mint

pytestmark = pytest.mark.django_db

K = PoolKeyAlertKind
START = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def upstream(monkeypatch, settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    upstream_health_clear()
    return sandbox_upstream(monkeypatch)


def _subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def _customer_mails(key: PoolKey) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [key.customer.email]]


def _percent(key: PoolKey) -> Decimal:
    stored = SandboxKey.objects.get(public_id=key.upstream_id)
    return Decimal(stored.traffic_used_mb) / 1024 / Decimal(stored.traffic_cap_gb) * 100


def _tick_and_sync(seed: int, mb: float = 60) -> dict:
    sandbox_simulate_traffic(mb=mb, rng=random.Random(seed))
    return usage_sync_run()


# Usage alerts ----------------------------------------------------------------------------------


def test_traffic_crossing_80_and_100_percent_mails_each_threshold_once(upstream):
    key = mint(UserFactory(email="alice@example.com"), cap_gb=Decimal(1))
    sent_at_percent = {}
    for seed in range(60):
        report = _tick_and_sync(seed)
        percent = _percent(key)
        for subject in _customer_mails(key):
            sent_at_percent.setdefault(subject, percent)
        if report["alerts"]["sent"]:
            assert len(_customer_mails(key)) <= 2
        if SandboxKey.objects.get(public_id=key.upstream_id).enabled is False:
            break
    for _ in range(3):  # more runs after the cap: nothing new
        usage_sync_run()
        tasks.alerts_run()

    subjects = _customer_mails(key)
    assert subjects == [
        "[Storefront] You have used 80 % of your proxy traffic",
        "[Storefront] Your proxy traffic is used up",
    ]
    assert sent_at_percent[subjects[0]] >= 80
    assert sent_at_percent[subjects[1]] >= 100
    assert set(PoolKeyAlert.objects.filter(pool_key=key).values_list("kind", flat=True)) == {K.USAGE_80, K.USAGE_100}
    assert AuditEntry.objects.filter(action="pool_key.alert_sent", target_id=str(key.pk)).count() == 2
    body = mail.outbox[-1].body
    assert "http://127.0.0.1:8000/dashboard/" in body
    assert SandboxKey.objects.get(public_id=key.upstream_id).secret not in body


def test_a_top_up_rearms_the_alerts_and_the_next_crossing_mails_again(upstream):
    key = mint(cap_gb=Decimal(1))
    seed = 0
    while SandboxKey.objects.get(public_id=key.upstream_id).enabled:
        _tick_and_sync(seed, mb=120)
        seed += 1
    assert len(_customer_mails(key)) == 2
    key.refresh_from_db()

    pool_key_top_up(
        key=key,
        add_gb=Decimal(1),
        extend_days=None,
        idempotency_key=idempotency_key_for(action="topup", obj_ref=f"k{key.pk}", nonce="order-2"),
        reenable=True,
    )

    assert _percent(key) < 80
    assert not PoolKeyAlert.objects.filter(pool_key=key).exists()  # cleared by the top-up itself
    usage_sync_run()
    assert len(_customer_mails(key)) == 2  # nothing to say yet
    while SandboxKey.objects.get(public_id=key.upstream_id).enabled:
        _tick_and_sync(seed, mb=120)
        seed += 1
    assert _customer_mails(key)[2:] == [
        "[Storefront] You have used 80 % of your proxy traffic",
        "[Storefront] Your proxy traffic is used up",
    ]


def test_a_small_top_up_rearms_only_the_thresholds_it_takes_the_key_under(upstream):
    key = mint(cap_gb=Decimal(1))
    SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=Decimal(1024), enabled=False)
    usage_sync_run()
    key.refresh_from_db()

    pool_key_top_up(
        key=key,
        add_gb=Decimal("0.2"),
        extend_days=None,
        idempotency_key=idempotency_key_for(action="topup", obj_ref=f"k{key.pk}", nonce="small"),
        reenable=True,
    )  # 1024 MB of 1.2 GB: 83 %

    assert list(PoolKeyAlert.objects.filter(pool_key=key).values_list("kind", flat=True)) == [K.USAGE_80]


def test_a_key_first_seen_over_its_cap_gets_one_mail_not_two(upstream):
    key = mint(cap_gb=Decimal(1))
    SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=Decimal(2000))

    usage_sync_run()

    assert _customer_mails(key) == ["[Storefront] Your proxy traffic is used up"]
    covered = PoolKeyAlert.objects.get(pool_key=key, kind=K.USAGE_80)
    assert covered.skipped == "covered by usage_100"


def test_keys_on_hold_deleted_missing_or_unlimited_get_no_usage_alerts(upstream):
    full = {"used_mb": Decimal(20000), "cap_gb": Decimal(10)}
    PoolKeyFactory(enabled=False, disabled_by_operator=True, **full)
    PoolKeyFactory(deleted_at=timezone.now(), **full)
    PoolKeyFactory(missing_upstream=True, **full)
    PoolKeyFactory(cap_gb=None, used_mb=Decimal(999999))

    result = pool_key_alerts_run()

    assert result.sent == []
    assert mail.outbox == []


# Expiry alerts ---------------------------------------------------------------------------------


def test_expiry_alerts_at_7_days_and_1_day_each_once_and_reset_by_an_extension(upstream):
    with time_machine.travel(START, tick=False) as clock:
        key = mint(cap_gb=Decimal(50), expires_at=START + timedelta(days=10))
        usage_sync_run()
        assert _customer_mails(key) == []

        clock.shift(timedelta(days=3, hours=1))  # 6 days 23 hours left
        tasks.alerts_run()
        tasks.alerts_run()
        assert _customer_mails(key) == ["[Storefront] Your proxy expires in less than 7 days"]
        assert "6 days" in mail.outbox[-1].body

        clock.shift(timedelta(days=6))  # 23 hours left
        usage_sync_run()
        tasks.alerts_run()
        assert _customer_mails(key)[1:] == ["[Storefront] Your proxy expires within a day"]

        key.refresh_from_db()
        pool_key_extend(
            key=key, days=30, idempotency_key=idempotency_key_for(action="extend", obj_ref=f"k{key.pk}", nonce="renew")
        )
        assert not PoolKeyAlert.objects.filter(pool_key=key).exists()

        clock.shift(timedelta(days=24))  # 7 days minus an hour left of the new expiry
        tasks.alerts_run()
        assert _customer_mails(key)[2:] == ["[Storefront] Your proxy expires in less than 7 days"]


def test_an_expired_key_gets_no_expiry_alert(upstream):
    PoolKeyFactory(expires_at=timezone.now() - timedelta(hours=2))

    assert pool_key_alerts_run().sent == []


# Exactly once ----------------------------------------------------------------------------------


def test_two_runs_that_saw_the_same_crossing_mail_it_once(upstream):
    from apps.proxies.services.alerts import AlertRunResult, _run_for_key

    key = mint(cap_gb=Decimal(1))
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(900))
    key.refresh_from_db()
    first, second = AlertRunResult(), AlertRunResult()
    now = timezone.now()

    # Both runs found the key due before either had claimed it.
    _run_for_key(key, {K.USAGE_80}, now, first)
    _run_for_key(key, {K.USAGE_80}, now, second)

    assert first.sent == [(key.pk, K.USAGE_80)]
    assert second.sent == [] and second.contended == 1
    assert len(_customer_mails(key)) == 1


def test_the_database_refuses_a_second_claim(upstream):
    key = mint()
    PoolKeyAlert.objects.create(pool_key=key, kind=K.EXPIRY_7D, claimed_at=timezone.now())

    with pytest.raises(IntegrityError), transaction.atomic():
        PoolKeyAlert.objects.create(pool_key=key, kind=K.EXPIRY_7D, claimed_at=timezone.now())


def test_a_failed_send_releases_the_claim_and_the_next_run_sends(upstream, monkeypatch):
    key = mint(cap_gb=Decimal(1))
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(900))
    calls = {"n": 0}
    real_send = __import__("django.core.mail", fromlist=["EmailMultiAlternatives"]).EmailMultiAlternatives.send

    def flaky_send(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("smtp down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", flaky_send)

    first = pool_key_alerts_run()
    assert first.failed == 1 and not PoolKeyAlert.objects.exists()

    second = pool_key_alerts_run()
    assert len(second.sent) == 1
    assert len(_customer_mails(key)) == 1


def test_a_claim_left_by_a_crashed_worker_is_taken_over_later(upstream):
    key = mint(cap_gb=Decimal(1))
    PoolKey.objects.filter(pk=key.pk).update(used_mb=Decimal(900))
    PoolKeyAlert.objects.create(pool_key=key, kind=K.USAGE_80, claimed_at=timezone.now() - timedelta(minutes=5))

    assert pool_key_alerts_run().sent == []  # maybe still being sent by its worker

    PoolKeyAlert.objects.update(claimed_at=timezone.now() - timedelta(hours=1))
    assert pool_key_alerts_run().sent == [(key.pk, K.USAGE_80)]
    assert pool_key_alerts_run().sent == []
    assert len(_customer_mails(key)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_several_workers_mail_each_threshold_once(monkeypatch, settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    keys = [PoolKeyFactory(used_mb=Decimal(9000), cap_gb=Decimal(10)) for _ in range(5)]
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            pool_key_alerts_run()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(mail.outbox) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(k.customer.email for k in keys)
    assert PoolKeyAlert.objects.count() == 5


# Operator alerts -------------------------------------------------------------------------------


def test_an_upstream_auth_error_mails_the_operators_once_per_window(upstream):
    mint()
    with time_machine.travel(START, tick=False) as clock:
        with inject(status=401, path="/reseller/pool-keys", method="GET"):
            usage_sync_run()
            usage_sync_run()
            tasks.alerts_run()

        operator_mails = [m for m in mail.outbox if m.to == ["ops@example.com"]]
        assert len(operator_mails) == 1
        assert "rejects the reseller API key (HTTP 401)" in operator_mails[0].subject
        assert "PROXIES_SX_API_KEY" in operator_mails[0].body
        assert "psx_" not in operator_mails[0].body.replace("psx_...", "")

        clock.shift(timedelta(hours=7))
        with inject(status=401, path="/reseller/pool-keys", method="GET"):
            usage_sync_run()
        assert len([m for m in mail.outbox if m.to == ["ops@example.com"]]) == 2

        usage_sync_run()  # the key works again: the state is no longer auth_failed
        clock.shift(timedelta(hours=7))
        tasks.alerts_run()
        assert len([m for m in mail.outbox if m.to == ["ops@example.com"]]) == 2
    assert OperatorAlert.objects.filter(kind="upstream_auth", sent_at__isnull=False).count() == 2


def test_no_operator_alert_for_an_outage_that_is_not_an_auth_error(upstream):
    mint()
    with inject(status=503, path="/reseller/pool-keys", method="GET"):
        usage_sync_run()

    assert not upstream_auth_alert_check()
    assert mail.outbox == []


def test_operator_alerts_fall_back_to_admins(upstream, settings):
    settings.OPERATOR_EMAILS = []
    settings.ADMINS = ["admin@example.com"]
    with inject(status=403, path="/reseller/pool-keys", method="GET"):
        usage_sync_run()

    assert [m.to for m in mail.outbox] == [["admin@example.com"]]

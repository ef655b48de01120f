"""Pool-key services against the sandbox upstream (real client, in-process transport): mint,
adopt, top-up and re-enable, enable/disable, cap, extend, regenerate, reveal, delete, with the
local audit trail and idempotent replays."""

import json
import logging
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.core.errors import ApplicationError, NotFound
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import pool_key_list_for_customer
from apps.proxies.services import (
    idempotency_key_for,
    pool_key_adopt,
    pool_key_delete,
    pool_key_extend,
    pool_key_find_upstream_by_label,
    pool_key_label_for,
    pool_key_mint,
    pool_key_regenerate,
    pool_key_reveal,
    pool_key_set_cap,
    pool_key_set_enabled,
    pool_key_sync,
    pool_key_top_up,
)
from apps.proxies.upstream.errors import (
    UpstreamNetworkError,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory, UserFactory
from tests.proxies.fakes import key_accepts, sandbox_upstream, use_traffic

pytestmark = pytest.mark.django_db


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


@pytest.fixture
def customer():
    return UserFactory()


@pytest.fixture
def operator():
    return StaffFactory()


def _mint(customer, *, order_ref="1001", cap_gb=Decimal(10), expires_at=None, actor=None, reason="order paid"):
    return pool_key_mint(
        customer=customer,
        label=pool_key_label_for(customer=customer, order_ref=order_ref),
        cap_gb=cap_gb,
        expires_at=expires_at,
        idempotency_key=f"order-{order_ref}-mint",
        actor=actor,
        reason=reason,
    )


def _entries(key, action=None):
    entries = AuditEntry.objects.filter(target_type="proxies.poolkey", target_id=str(key.pk))
    return list(entries.filter(action=action) if action else entries)


def _secret(upstream, key) -> str:
    return upstream.client.reveal_key(key.upstream_id).secret


# Mint -----------------------------------------------------------------------------------------


def test_mint_creates_upstream_key_and_its_mirror(upstream, customer):
    expires = timezone.now() + timedelta(days=30)

    key = _mint(customer, cap_gb=Decimal("10.5"), expires_at=expires)

    record = upstream.client.get_key(key.upstream_id)
    assert record.label == f"sf-u{customer.pk}-1001" == key.label
    assert key.customer == customer
    assert key.cap_gb == Decimal("10.5") == record.traffic_cap_gb
    assert key.used_mb == 0
    assert key.enabled is True
    assert abs(key.expires_at - expires) < timedelta(seconds=1)
    assert key.last_synced_at is not None
    assert key.status == PoolKeyStatus.ACTIVE
    assert _secret(upstream, key).endswith(key.secret_last4)
    assert key.secret_hint == f"pak_••••{key.secret_last4}"
    assert len(key.session_tag) == 8
    assert PoolKey.objects.get(pk=key.pk).upstream_id == key.upstream_id


def test_mint_writes_an_audit_entry_with_actor_customer_reason_and_safe_data(upstream, customer, operator):
    key = _mint(customer, actor=operator, reason="manual grant")

    [entry] = _entries(key, "pool_key.mint")
    assert entry.actor == operator
    assert entry.customer == customer
    assert entry.reason == "manual grant"
    assert entry.data["upstream_id"] == key.upstream_id
    assert entry.data["idempotency_key"] == "order-1001-mint"
    assert entry.data["cap_gb"] == "10"
    assert entry.data["secret_hint"] == key.secret_hint


def test_mint_twice_with_same_idempotency_key_yields_one_upstream_key_and_one_mirror(upstream, customer):
    first = _mint(customer)
    second = _mint(customer)

    assert first.pk == second.pk
    assert PoolKey.objects.count() == 1
    assert len(upstream.client.list_keys()) == 1
    assert upstream.calls["create_key"] == 1  # the replay is answered from the mirror
    assert len(_entries(first, "pool_key.mint")) == 1


def test_mint_retry_after_a_lost_reply_yields_one_key(monkeypatch, customer):
    # One attempt per call: the reply is lost after the upstream minted, the service raises.
    upstream = sandbox_upstream(monkeypatch, max_attempts=1)
    lost_reply = inject(drop="reset", phase="after", times=1, path="/reseller/pool-keys", method="POST")
    with lost_reply, pytest.raises(UpstreamNetworkError):
        _mint(customer)
    assert PoolKey.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert len(upstream.client.list_keys()) == 1

    key = _mint(customer)  # the caller's retry, same idempotency key: the upstream replays

    assert PoolKey.objects.count() == 1
    assert [r.id for r in upstream.client.list_keys()] == [key.upstream_id]
    assert len(_entries(key, "pool_key.mint")) == 1


def test_mint_lost_reply_is_retried_by_the_client_without_a_second_key(upstream, customer):
    with inject(drop="reset", phase="after", times=1, path="/reseller/pool-keys", method="POST"):
        key = _mint(customer)

    assert [r.id for r in upstream.client.list_keys()] == [key.upstream_id]
    assert PoolKey.objects.count() == 1


def test_mint_upstream_validation_error_propagates_and_stores_nothing(upstream, customer):
    with inject(status=422, times=1, path="/reseller/pool-keys", method="POST"), pytest.raises(UpstreamValidationError):
        _mint(customer)

    assert PoolKey.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"label": "   "}, ApplicationError),
        ({"label": "x" * 201}, ApplicationError),
        ({"cap_gb": Decimal(0)}, ApplicationError),
        ({"cap_gb": Decimal(-1)}, ApplicationError),
        ({"cap_gb": Decimal("NaN")}, ApplicationError),
        ({"expires_at": "past"}, ApplicationError),
        ({"idempotency_key": "short"}, ValueError),
        ({"idempotency_key": "has spaces in it"}, ValueError),
    ],
)
def test_mint_rejects_bad_input_before_calling_the_upstream(upstream, customer, overrides, error):
    args = {
        "customer": customer,
        "label": "sf-u1-1",
        "cap_gb": Decimal(10),
        "expires_at": None,
        "idempotency_key": "order-1-mint",
    }
    args.update(overrides)
    if args["expires_at"] == "past":
        args["expires_at"] = timezone.now() - timedelta(minutes=1)

    with pytest.raises(error):
        pool_key_mint(**args)

    assert upstream.calls["create_key"] == 0
    assert PoolKey.objects.count() == 0


def test_mint_with_an_idempotency_key_already_used_for_another_customer_is_refused(upstream, customer):
    _mint(customer)
    with pytest.raises(ApplicationError):
        _mint(UserFactory())
    assert PoolKey.objects.count() == 1


def test_unlimited_mint_mirrors_a_null_cap(upstream, customer):
    key = _mint(customer, cap_gb=None)
    assert key.cap_gb is None
    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb is None


def test_label_for_is_stable_and_carries_no_email(customer):
    label = pool_key_label_for(customer=customer, order_ref="ord 42/x")
    assert label == pool_key_label_for(customer=customer, order_ref="ord 42/x")
    assert label == f"sf-u{customer.pk}-ord_42_x"
    assert customer.email not in label


# Adopt / find by label ------------------------------------------------------------------------


def test_find_by_label_and_adopt_recover_a_key_whose_mint_reply_was_lost(upstream, customer):
    label = pool_key_label_for(customer=customer, order_ref="77")
    upstream.client.create_key(label=label, traffic_cap_gb=Decimal(5), expires_at=None, idempotency_key="lost-0077")

    record = pool_key_find_upstream_by_label(label=label)
    key = pool_key_adopt(customer=customer, record=record, reason="recovered")
    again = pool_key_adopt(customer=customer, record=record)

    assert key.pk == again.pk
    assert key.cap_gb == Decimal(5)
    assert PoolKey.objects.count() == 1
    assert len(_entries(key, "pool_key.adopt")) == 1
    assert pool_key_find_upstream_by_label(label="sf-u0-nothing") is None


def test_adopt_refuses_to_hand_a_mirrored_key_to_another_customer(upstream, customer):
    key = _mint(customer)
    record = upstream.client.get_key(key.upstream_id)

    with pytest.raises(ApplicationError):
        pool_key_adopt(customer=UserFactory(), record=record)

    assert PoolKey.objects.get().customer == customer


# Top-up and re-enable -------------------------------------------------------------------------


def test_top_up_adds_gb_and_days_with_the_upstream_arithmetic(upstream, customer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = _mint(customer, expires_at=timezone.now() + timedelta(days=3))
        expires = key.expires_at
        traveller.shift(timedelta(hours=1))

        pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=30, idempotency_key="order-1002-fulfil")

    key.refresh_from_db()
    assert key.cap_gb == Decimal(15)
    assert key.expires_at == expires + timedelta(days=30)  # max(now, expiry) + days
    [entry] = _entries(key, "pool_key.top_up")
    assert entry.data["add_gb"] == "5"
    assert entry.data["extend_days"] == 30
    assert entry.data["cap_gb_before"] == "10"
    assert entry.data["cap_gb_after"] == "15"
    assert upstream.idempotency_keys("top_up_key") == ["order-1002-fulfil-topup"]


def test_top_up_of_an_expired_key_counts_days_from_now(upstream, customer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = _mint(customer, expires_at=timezone.now() + timedelta(days=1))
        traveller.shift(timedelta(days=5))
        now = timezone.now()

        pool_key_top_up(key=key, add_gb=None, extend_days=10, idempotency_key="order-1003-renew")

    assert abs(key.expires_at - (now + timedelta(days=10))) < timedelta(seconds=1)


def test_top_up_of_an_unlimited_key_keeps_the_cap_null(upstream, customer):
    key = _mint(customer, cap_gb=None)
    pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1004-fulfil")
    assert key.cap_gb is None
    assert PoolKey.objects.get(pk=key.pk).cap_gb is None


def test_top_up_replay_with_the_same_idempotency_key_adds_once(upstream, customer):
    key = _mint(customer)
    for _ in range(2):
        pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1005-fulfil")

    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb == Decimal(15)
    assert PoolKey.objects.get(pk=key.pk).cap_gb == Decimal(15)
    assert len(_entries(key, "pool_key.top_up")) == 1


def test_top_up_alone_does_not_lift_an_auto_suspend(upstream, customer):
    key = _mint(customer, cap_gb=Decimal(1))
    use_traffic(mb=3000)  # past the cap: the platform suspends
    pool_key_sync(key=key)
    assert key.status == PoolKeyStatus.SUSPENDED_CAP

    pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1006-fulfil")

    assert key.enabled is False
    assert upstream.calls["update_key"] == 0
    assert key.status == PoolKeyStatus.DISABLED


def test_top_up_with_reenable_after_auto_suspend_enables_the_key_with_two_derived_keys(upstream, customer):
    key = _mint(customer, cap_gb=Decimal(1))
    secret = _secret(upstream, key)
    use_traffic(mb=3000)
    pool_key_sync(key=key)
    assert key_accepts(secret) is False

    pool_key_top_up(
        key=key,
        add_gb=Decimal(5),
        extend_days=None,
        idempotency_key="order-1007-fulfil",
        reenable=True,
        reason="payment confirmed",
    )

    assert key.enabled is True
    assert key.status == PoolKeyStatus.ACTIVE
    assert upstream.client.get_key(key.upstream_id).enabled is True
    assert key_accepts(secret) is True
    assert upstream.idempotency_keys("top_up_key") == ["order-1007-fulfil-topup"]
    assert upstream.idempotency_keys("update_key") == ["order-1007-fulfil-enable"]
    assert len(_entries(key, "pool_key.top_up")) == 1
    [enable] = _entries(key, "pool_key.enable")
    assert enable.reason == "payment confirmed"


def test_top_up_with_reenable_replayed_does_nothing_twice(upstream, customer):
    key = _mint(customer, cap_gb=Decimal(1))
    use_traffic(mb=3000)
    pool_key_sync(key=key)

    for _ in range(2):
        pool_key_top_up(
            key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1008-fulfil", reenable=True
        )

    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb == Decimal(6)
    assert len(_entries(key, "pool_key.top_up")) == 1
    assert len(_entries(key, "pool_key.enable")) == 1


def test_top_up_with_reenable_on_an_enabled_key_makes_one_write(upstream, customer):
    key = _mint(customer)
    pool_key_top_up(key=key, add_gb=Decimal(1), extend_days=None, idempotency_key="order-1009-fulfil", reenable=True)
    assert upstream.calls["top_up_key"] == 1
    assert upstream.calls["update_key"] == 0


def test_failed_enable_after_top_up_keeps_the_top_up_and_a_retry_completes(upstream, customer):
    key = _mint(customer, cap_gb=Decimal(1))
    use_traffic(mb=3000)
    pool_key_sync(key=key)

    with inject(status=503, times=None, method="PATCH"), pytest.raises(UpstreamUnavailable):
        pool_key_top_up(
            key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1010-fulfil", reenable=True
        )
    key.refresh_from_db()
    assert key.cap_gb == Decimal(6)  # the top-up happened and is mirrored and audited
    assert key.enabled is False
    assert len(_entries(key, "pool_key.top_up")) == 1
    assert _entries(key, "pool_key.enable") == []

    pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1010-fulfil", reenable=True)

    assert key.enabled is True
    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb == Decimal(6)  # not added twice
    assert len(_entries(key, "pool_key.top_up")) == 1
    assert len(_entries(key, "pool_key.enable")) == 1


def test_paid_top_up_does_not_lift_an_operator_disable(upstream, customer, operator):
    key = _mint(customer)
    pool_key_set_enabled(
        key=key, enabled=False, idempotency_key="op-disable-1-aaaa", actor=operator, reason="abuse report"
    )

    pool_key_top_up(key=key, add_gb=Decimal(5), extend_days=None, idempotency_key="order-1011-fulfil", reenable=True)

    assert key.enabled is False
    assert key.status == PoolKeyStatus.DISABLED
    assert upstream.client.get_key(key.upstream_id).enabled is False
    [entry] = _entries(key, "pool_key.top_up")
    assert entry.data["reenable_skipped"] == "disabled_by_operator"


@pytest.mark.parametrize(
    ("add_gb", "days"), [(None, None), (Decimal(0), None), (Decimal(-2), None), (None, 0), (None, -1), (None, 1.5)]
)
def test_top_up_rejects_bad_amounts_without_calling_the_upstream(upstream, customer, add_gb, days):
    key = _mint(customer)
    with pytest.raises(ApplicationError):
        pool_key_top_up(key=key, add_gb=add_gb, extend_days=days, idempotency_key="order-1012-fulfil")
    assert upstream.calls["top_up_key"] == 0
    assert _entries(key, "pool_key.top_up") == []


def test_a_404_on_a_write_marks_the_mirror_missing(upstream, customer):
    key = _mint(customer)
    upstream.client.delete_key(key.upstream_id, idempotency_key="behind-the-shops-back")

    with pytest.raises(UpstreamNotFound):
        pool_key_top_up(key=key, add_gb=Decimal(1), extend_days=None, idempotency_key="order-1013-fulfil")

    key.refresh_from_db()
    assert key.missing_upstream is True
    assert key.status == PoolKeyStatus.MISSING
    assert len(_entries(key, "pool_key.missing_upstream")) == 1
    assert _entries(key, "pool_key.top_up") == []


# Enable / disable, cap, extend ----------------------------------------------------------------


def test_disable_then_enable_cuts_and_restores_traffic(upstream, customer, operator):
    key = _mint(customer)
    secret = _secret(upstream, key)

    pool_key_set_enabled(
        key=key,
        enabled=False,
        idempotency_key=idempotency_key_for(action="disable", obj_ref=f"poolkey-{key.pk}", nonce="n1"),
        actor=operator,
        reason="chargeback",
    )
    assert key_accepts(secret) is False
    assert key.status == PoolKeyStatus.DISABLED
    assert key.disabled_by_operator is True

    pool_key_set_enabled(
        key=key,
        enabled=True,
        idempotency_key=idempotency_key_for(action="enable", obj_ref=f"poolkey-{key.pk}", nonce="n2"),
        actor=operator,
        reason="resolved",
    )
    assert key_accepts(secret) is True
    assert key.disabled_by_operator is False
    [disable] = _entries(key, "pool_key.disable")
    [enable] = _entries(key, "pool_key.enable")
    assert (disable.actor, disable.reason) == (operator, "chargeback")
    assert enable.data["enabled_after"] is True


def test_set_cap_sets_an_absolute_cap_and_none_means_unlimited(upstream, customer, operator):
    key = _mint(customer)

    pool_key_set_cap(key=key, cap_gb=Decimal(4), idempotency_key="refund-55-cap", actor=operator, reason="refund")
    assert key.cap_gb == Decimal(4)
    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb == Decimal(4)

    pool_key_set_cap(key=key, cap_gb=None, idempotency_key="op-unlimited-9", actor=operator)
    assert key.cap_gb is None
    assert upstream.client.get_key(key.upstream_id).traffic_cap_gb is None
    entries = _entries(key, "pool_key.set_cap")
    assert {(e.data["cap_gb_before"], e.data["cap_gb_after"]) for e in entries} == {("10", "4"), ("4", None)}


def test_set_cap_rejects_a_zero_cap_without_calling_the_upstream(upstream, customer):
    key = _mint(customer)
    with pytest.raises(ApplicationError):
        pool_key_set_cap(key=key, cap_gb=Decimal(0), idempotency_key="op-cap-zero-1")
    assert upstream.calls["update_key"] == 0


def test_extend_moves_the_expiry(upstream, customer, operator):
    with time_machine.travel(timezone.now(), tick=False):
        key = _mint(customer, expires_at=timezone.now() + timedelta(days=2))
        expires = key.expires_at
        pool_key_extend(key=key, days=7, idempotency_key="op-extend-1-abc", actor=operator, reason="goodwill")

    assert key.expires_at == expires + timedelta(days=7)
    [entry] = _entries(key, "pool_key.extend")
    assert entry.data["days"] == 7
    assert entry.actor == operator


# Regenerate, reveal ---------------------------------------------------------------------------


def test_regenerate_returns_a_new_secret_and_the_old_one_stops_working(upstream, customer):
    key = _mint(customer)
    old = _secret(upstream, key)
    assert key_accepts(old) is True

    key, new = pool_key_regenerate(key=key, idempotency_key="regen-1-nonce", actor=customer, reason="leaked")

    assert new != old
    assert new.startswith("pak_")
    assert key_accepts(old) is False
    assert key_accepts(new) is True
    assert key.secret_last4 == new[-4:]
    assert PoolKey.objects.get(pk=key.pk).secret_last4 == new[-4:]
    [entry] = _entries(key, "pool_key.regenerate")
    assert entry.data["secret_hint"] == f"pak_••••{new[-4:]}"
    assert entry.data["secret_hint_before"] == f"pak_••••{old[-4:]}"


def test_regenerate_replayed_returns_the_same_new_secret(upstream, customer):
    key = _mint(customer)
    _key, first = pool_key_regenerate(key=key, idempotency_key="regen-2-nonce")
    _key, second = pool_key_regenerate(key=key, idempotency_key="regen-2-nonce")
    assert first == second
    assert key_accepts(first) is True
    assert len(_entries(key, "pool_key.regenerate")) == 1


def test_reveal_gives_the_owner_the_secret_through_the_audited_upstream_reveal(upstream, customer):
    key = _mint(customer)

    secret = pool_key_reveal(key=key, actor=customer, ip="203.0.113.9")

    assert secret == _secret(upstream, key)
    [entry] = _entries(key, "pool_key.reveal")
    assert (entry.actor, entry.ip) == (customer, "203.0.113.9")
    assert "reveal" in [e.action for e in upstream.client.key_audit(key.upstream_id)]


@pytest.mark.parametrize("who", ["staff", "stranger", "nobody"])
def test_reveal_is_refused_to_anyone_but_the_owner(upstream, customer, who):
    key = _mint(customer)
    actor = {"staff": StaffFactory, "stranger": UserFactory, "nobody": lambda: None}[who]()

    with pytest.raises(NotFound):
        pool_key_reveal(key=key, actor=actor)

    assert upstream.calls["reveal_key"] == 0
    assert _entries(key, "pool_key.reveal") == []


# Delete ---------------------------------------------------------------------------------------


def test_delete_removes_the_key_upstream_and_marks_the_mirror_deleted(upstream, customer, operator):
    key = _mint(customer)
    secret = _secret(upstream, key)

    pool_key_delete(key=key, idempotency_key="op-delete-1-abc", actor=operator, reason="customer asked")

    with pytest.raises(UpstreamNotFound):
        upstream.client.get_key(key.upstream_id)
    assert key_accepts(secret) is False
    key.refresh_from_db()
    assert key.deleted_at is not None
    assert key.status == PoolKeyStatus.DELETED
    assert list(pool_key_list_for_customer(customer=customer)) == []
    [entry] = _entries(key, "pool_key.delete")
    assert entry.data["already_gone_upstream"] is False

    pool_key_delete(key=key, idempotency_key="op-delete-2-abc", actor=operator)  # again: nothing happens
    assert upstream.calls["delete_key"] == 1
    assert len(_entries(key, "pool_key.delete")) == 1


def test_delete_of_a_key_already_gone_upstream_still_marks_it_deleted(upstream, customer):
    key = _mint(customer)
    upstream.client.delete_key(key.upstream_id, idempotency_key="behind-the-shops-back")

    pool_key_delete(key=key, idempotency_key="op-delete-3-abc")

    assert PoolKey.objects.get(pk=key.pk).deleted_at is not None
    assert _entries(key, "pool_key.delete")[0].data["already_gone_upstream"] is True


def test_writes_to_a_deleted_key_are_refused_without_an_upstream_call(upstream, customer):
    key = _mint(customer)
    pool_key_delete(key=key, idempotency_key="op-delete-4-abc")
    calls = sum(upstream.calls.values())

    with pytest.raises(ApplicationError):
        pool_key_top_up(key=key, add_gb=Decimal(1), extend_days=None, idempotency_key="order-1014-fulfil")
    with pytest.raises(ApplicationError):
        pool_key_regenerate(key=key, idempotency_key="regen-3-nonce")

    assert sum(upstream.calls.values()) == calls


# Secrets --------------------------------------------------------------------------------------


def test_no_secret_reaches_the_audit_log_or_the_logs(upstream, customer, caplog):
    caplog.set_level(logging.DEBUG)
    key = _mint(customer)
    secrets_seen = {_secret(upstream, key)}
    _key, new = pool_key_regenerate(key=key, idempotency_key="regen-4-nonce", actor=customer)
    secrets_seen.add(new)
    secrets_seen.add(pool_key_reveal(key=key, actor=customer))
    pool_key_top_up(key=key, add_gb=Decimal(1), extend_days=1, idempotency_key="order-1015-fulfil", reenable=True)
    pool_key_sync(key=key, actor=customer)
    with inject(status=500, times=None, path="/reseller/pool-keys/*"), pytest.raises(UpstreamUnavailable):
        pool_key_reveal(key=key, actor=customer)

    audit_dump = json.dumps([e.data for e in AuditEntry.objects.all()]) + "".join(
        e.reason for e in AuditEntry.objects.all()
    )
    for secret in secrets_seen:
        assert secret not in audit_dump
        assert secret[4:] not in audit_dump
        assert secret not in caplog.text
        assert secret[4:] not in caplog.text


def test_services_use_the_shared_client_which_is_the_sandbox_in_tests(settings, customer):
    from apps.proxies.services.client import get_upstream_client, reset_upstream_client

    assert settings.PROXIES_SX_SANDBOX is True
    reset_upstream_client()
    try:
        key = _mint(customer)  # no test seam: get_upstream_client() over SandboxTransport
        assert get_upstream_client().get_key(key.upstream_id).label == key.label
    finally:
        reset_upstream_client()

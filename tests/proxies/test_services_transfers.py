"""Moving GB from a key to a new key (issue 11): exactly once under the fault matrix (upstream
500, timeout, connection reset, before and after the write took effect, on either step), the
source keeps what it used, and a move stopped halfway is finished by the reconciler, never
leaving GB created or lost."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.errors import KeyTargetRefused
from apps.proxies.models import PoolKey, PoolKeyTransfer
from apps.proxies.services import pool_key_set_enabled, pool_key_transfer_start, pool_key_transfers_reconcile
from apps.proxies.tasks import key_transfers_reconcile
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey
from tests.proxies.support import mint_key

T = PoolKeyTransfer.State
PATCH = {"path": "/reseller/pool-keys/*", "method": "PATCH"}
MINT = {"path": "/reseller/pool-keys", "method": "POST"}
NONCE = "b" * 32


def _upstream_cap(key: PoolKey) -> Decimal | None:
    return SandboxKey.objects.get(public_id=key.upstream_id).traffic_cap_gb


def _creates() -> int:
    return SandboxAuditEvent.objects.filter(action="create").count()


def _cap_updates(key: PoolKey) -> int:
    return SandboxAuditEvent.objects.filter(action="update", pak_id=key.upstream_id).count()


def _reconcile_later(minutes: int = 10) -> dict:
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False):
        return key_transfers_reconcile.delay().get()


def _move(key, gb="4", label="Second project", nonce=NONCE, actor=None):
    return pool_key_transfer_start(source=key, gb=Decimal(gb), label=label, nonce=nonce, actor=actor or key.customer)


def _assert_moved_once(source: PoolKey, transfer: PoolKeyTransfer, *, gb: Decimal, creates_before: int) -> None:
    transfer.refresh_from_db()
    assert transfer.state == T.DONE
    target = transfer.target
    assert target is not None and target.customer_id == source.customer_id
    assert _upstream_cap(source) == transfer.source_cap_after == transfer.source_cap_before - gb
    assert _upstream_cap(target) == gb  # the GB exist exactly once: nothing created, nothing lost
    assert _upstream_cap(source) + _upstream_cap(target) == transfer.source_cap_before
    assert _creates() == creates_before + 1
    assert _cap_updates(source) == 1
    assert AuditEntry.objects.filter(action="pool_key.transfer_out", target_id=str(source.pk)).count() == 1
    assert AuditEntry.objects.filter(action="pool_key.transfer_in", target_id=str(target.pk)).count() == 1
    source.refresh_from_db()
    assert source.cap_gb == transfer.source_cap_after
    assert target.expires_at == source.expires_at


def test_a_move_lowers_the_source_and_mints_a_new_key_with_the_gb(upstream, customer):
    source = mint_key(customer, cap_gb=Decimal(10))
    before = _creates()

    transfer = _move(source)

    _assert_moved_once(source, transfer, gb=Decimal(4), creates_before=before)
    assert transfer.target.label == "Second project"
    # A double submit (same form nonce) returns the same move and moves nothing more.
    assert _move(source).pk == transfer.pk
    _assert_moved_once(source, transfer, gb=Decimal(4), creates_before=before)


def test_the_source_keeps_what_it_has_used(upstream, customer):
    source = mint_key(customer, cap_gb=Decimal(10))
    SandboxKey.objects.filter(public_id=source.upstream_id).update(traffic_used_mb=Decimal(7 * 1024))

    with pytest.raises(KeyTargetRefused, match="3.00 GB left to move"):
        _move(source, gb="3.5")
    assert not PoolKeyTransfer.objects.exists()
    assert _move(source, gb="2.9").state == T.DONE


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("held", "switched off"),
        ("expired", "expired"),
        ("unlimited", "unlimited"),
        ("limit", "the most one account can hold"),
    ],
)
def test_a_move_that_is_not_possible_writes_nothing(upstream, customer, settings, prepare, message):
    source = mint_key(customer, cap_gb=None if prepare == "unlimited" else Decimal(10))
    if prepare == "held":
        source = pool_key_set_enabled(key=source, enabled=False, idempotency_key="test-hold-key1", reason="t")
    elif prepare == "expired":
        SandboxKey.objects.filter(public_id=source.upstream_id).update(expires_at=timezone.now() - timedelta(hours=1))
    elif prepare == "limit":
        settings.POOL_MAX_KEYS_PER_CUSTOMER = 1
    before = _creates()

    with pytest.raises(KeyTargetRefused, match=message):
        _move(source)

    assert not PoolKeyTransfer.objects.exists()
    assert _creates() == before


def test_a_second_move_from_a_key_waits_for_the_first(upstream, customer):
    source = mint_key(customer, cap_gb=Decimal(10))
    with inject(status=500, times=1, **MINT):
        first = _move(source)
    assert first.state == T.SOURCE_REDUCED
    with pytest.raises(KeyTargetRefused, match="already under way"):
        _move(source, gb="1", nonce="c" * 32)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("step", "fault"),
    [
        ("source", {"status": 500}),
        ("source", {"drop": "timeout"}),
        ("source", {"drop": "reset"}),
        ("source", {"drop": "timeout", "phase": "after"}),  # lowered upstream, the reply lost
        ("source", {"drop": "reset", "phase": "after"}),
        ("mint", {"status": 500}),
        ("mint", {"drop": "timeout"}),
        ("mint", {"drop": "reset"}),
        ("mint", {"drop": "timeout", "phase": "after"}),  # minted upstream, the reply lost
        ("mint", {"drop": "reset", "phase": "after"}),
    ],
)
def test_fault_matrix_a_move_interrupted_anywhere_is_finished_once_by_the_reconciler(upstream, customer, step, fault):
    source = mint_key(customer, cap_gb=Decimal(10))
    before = _creates()

    with inject(times=1, **fault, **(PATCH if step == "source" else MINT)):
        transfer = _move(source)

    assert transfer.state == (T.PLANNED if step == "source" else T.SOURCE_REDUCED)
    assert transfer.last_error
    # Halfway, the GB are recorded on the row: taken from the source, not on any key yet.
    if step == "mint":
        assert _upstream_cap(source) == Decimal(6)
    # Not yet due: the reconciler leaves it until its retry time.
    assert pool_key_transfers_reconcile()["done"] == 0

    report = _reconcile_later()

    assert report == {"done": 1, "open": 0, "failed": 0}
    _assert_moved_once(source, transfer, gb=Decimal(4), creates_before=before)
    # Another run finds nothing to do.
    assert _reconcile_later(20) == {"done": 0, "open": 0, "failed": 0}
    _assert_moved_once(source, transfer, gb=Decimal(4), creates_before=before)


def test_a_move_left_halfway_past_the_replay_window_goes_to_an_operator(
    upstream, customer, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    source = mint_key(customer, cap_gb=Decimal(10))
    with inject(status=503, **MINT):
        transfer = _move(source)
        with (
            time_machine.travel(timezone.now() + timedelta(hours=24), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            pool_key_transfers_reconcile()
    transfer.refresh_from_db()
    assert transfer.state == T.FAILED
    [mail] = [m for m in mailoutbox if m.to == ["ops@example.com"]]
    assert "stopped halfway" in mail.subject and "10.000 -> 6.000" in mail.body


def test_the_dashboard_moves_gb_and_opens_the_new_key(upstream, customer, customer_client):
    source = mint_key(customer, cap_gb=Decimal(10))
    response = customer_client.post(
        reverse("proxies:key_move", args=[source.pk]), {"op": NONCE, "gb": "2.5", "label": "Ads"}
    )
    transfer = PoolKeyTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/?key={transfer.target_id}"
    page = customer_client.get(response["Location"]).content.decode()
    assert "Moved 2.5 GB to your new key “Ads”" in page
    bad = customer_client.post(
        reverse("proxies:key_move", args=[source.pk]), {"op": "d" * 32, "gb": "50", "label": "X"}
    )
    assert bad.status_code == 302
    assert PoolKeyTransfer.objects.count() == 1


def test_operators_see_the_moves_and_the_key_limit(upstream, customer, ops):
    source = mint_key(customer, cap_gb=Decimal(10))
    _move(source)
    response = ops.get(reverse("admin:proxies_poolkeytransfer_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second project" in html or "Done" in html
    assert "at most 20 keys (POOL_MAX_KEYS_PER_CUSTOMER)" in html

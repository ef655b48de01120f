"""Moving GB from one of a customer's keys to a new key (issue 11), exactly once.

A move is a PoolKeyTransfer row with states, written before any upstream call:
1. planned → the source's cap is lowered upstream (PATCH trafficCapGB to `source_cap_after`,
   idempotency key `<key>-src`), audited `pool_key.transfer_out` → source_reduced;
2. source_reduced → a new key is minted with the GB and the source's expiry (idempotency key
   `<key>-mint`), audited `pool_key.transfer_in` → done.
The source is lowered first, so GB never exist twice; a failure in between leaves the row in
`source_reduced`, and `pool_key_transfers_reconcile` (a periodic job) finishes it with the same
idempotency keys, so nothing is moved twice and nothing is lost. Past the upstream's replay
window (23 h) an unfinished move stops in `failed` and the operators are told, as top-ups do.
The source keeps at least what it has used (read fresh from the upstream when planning)."""

import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError, RetryableError, TerminalError
from apps.core.services.notifications import operators_notify_on_commit
from apps.proxies.errors import KeyTargetRefused, upstream_errors_as_domain
from apps.proxies.models import PoolKey, PoolKeyTransfer
from apps.proxies.selectors_keys import pool_key_is_held, pool_key_new_allowed

from . import client
from .idempotency import idempotency_key_derive, idempotency_key_for
from .keys import pool_key_mint
from .mirror import jsonable, marks_missing, pool_key_audit, pool_key_mirror_apply
from .sync import pool_key_sync
from .validation import clean_label

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

T = PoolKeyTransfer.State
REPLAY_WINDOW = timedelta(hours=23)
RETRY_SECONDS = (30, 60, 300, 900, 3600)
MIN_MOVE_GB = Decimal("0.1")
UNDER_WAY = "Your move has started; the new key appears here within a few minutes."


def _gb(value) -> Decimal:
    try:
        gb = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(gettext("Say how many GB to move, e.g. 2.5.")) from None
    if not gb.is_finite() or gb < MIN_MOVE_GB:
        raise ApplicationError(gettext("Move at least %(MIN_MOVE_GB)s GB.") % {"MIN_MOVE_GB": MIN_MOVE_GB})
    return gb


def _plan_checks(source: PoolKey, gb: Decimal) -> tuple[Decimal, Decimal]:
    """(cap before, cap after) from the source as the upstream holds it now."""
    if source.deleted_at is not None or source.missing_upstream:
        raise KeyTargetRefused(gettext("This key can't be used right now."))
    if pool_key_is_held(source):
        raise KeyTargetRefused(gettext("Our team keeps this key switched off; its traffic can't be moved."))
    if source.is_expired():
        raise KeyTargetRefused(gettext("This key has expired; its traffic can't be moved."))
    if source.cap_gb is None:
        raise KeyTargetRefused(gettext("This key has unlimited traffic; there is no fixed amount to move."))
    cap = Decimal(source.cap_gb)
    used = source.used_gb
    movable = (cap - max(used, Decimal(0))).quantize(Decimal("0.001"), rounding="ROUND_DOWN")
    if gb > movable or cap - gb <= 0:
        left = max(movable, Decimal(0)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        raise KeyTargetRefused(
            gettext("This key has %(left)s GB left to move (it keeps what it has used, and some traffic); move less.")
            % {"left": left}
        )
    return cap, cap - gb


def pool_key_transfer_start(
    *, source: PoolKey, gb, label: str, nonce: str, actor: "User", reason: str = ""
) -> PoolKeyTransfer:
    """Plans a move of `gb` from the customer's `source` key to a new key called `label`, then
    runs it as far as the upstream lets it (the reconciler finishes the rest). `nonce` is the
    form's: a double submit returns the same move. Raises KeyTargetRefused / ApplicationError
    (a message for the customer) when the move is not possible; nothing is written then."""
    idempotency_key = idempotency_key_for(action="move", obj_ref=f"pk{source.pk}", nonce=nonce)
    existing = PoolKeyTransfer.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    gb = _gb(gb)
    label = clean_label(label)
    pool_key_new_allowed(customer_id=source.customer_id)
    with upstream_errors_as_domain():
        source = pool_key_sync(key=source)  # fresh cap and usage: the source keeps what it used
    before, after = _plan_checks(source, gb)
    try:
        with transaction.atomic():
            transfer = PoolKeyTransfer.objects.create(
                customer_id=source.customer_id,
                source=source,
                gb=gb,
                label=label,
                source_cap_before=before,
                source_cap_after=after,
                expires_at=source.expires_at,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        again = PoolKeyTransfer.objects.filter(idempotency_key=idempotency_key).first()
        if again is not None:
            return again
        raise KeyTargetRefused(
            gettext("A move from this key is already under way; try again in a few minutes.")
        ) from None
    logger.info("key %s: moving %s GB to a new key (transfer %s)", source.pk, gb, transfer.pk)
    return pool_key_transfer_advance(transfer_id=transfer.pk, actor=actor, reason=reason)


def _reduce_source(transfer: PoolKeyTransfer, *, actor, reason: str) -> None:
    source = transfer.source
    src_key = idempotency_key_derive(transfer.idempotency_key, "src")
    with upstream_errors_as_domain(), marks_missing(source):
        record = client.upstream_client().update_key(
            source.upstream_id, traffic_cap_gb=transfer.source_cap_after, idempotency_key=src_key
        )
    with transaction.atomic():
        moved = PoolKeyTransfer.objects.filter(pk=transfer.pk, state=T.PLANNED).update(
            state=T.SOURCE_REDUCED, updated_at=timezone.now()
        )
        pool_key_mirror_apply(key=source, record=record)
        if moved:  # a concurrent run that got here first wrote the entry
            pool_key_audit(
                action="pool_key.transfer_out",
                key=source,
                actor=actor,
                reason=reason or "customer moved GB to a new key",
                idempotency_key=src_key,
                data={
                    "transfer": transfer.pk,
                    "gb": jsonable(transfer.gb),
                    "cap_gb_before": jsonable(transfer.source_cap_before),
                    "cap_gb_after": jsonable(record.traffic_cap_gb),
                },
            )
    transfer.state = T.SOURCE_REDUCED


def _mint_target(transfer: PoolKeyTransfer, *, actor, reason: str) -> None:
    mint_key = idempotency_key_derive(transfer.idempotency_key, "mint")
    expires_at = transfer.expires_at
    if expires_at is not None and expires_at <= timezone.now():
        raise TerminalError("the source's expiry passed before the new key was made")
    with upstream_errors_as_domain():
        target = pool_key_mint(
            customer=transfer.customer,
            label=transfer.label,
            cap_gb=transfer.gb,
            expires_at=expires_at,
            idempotency_key=mint_key,
            actor=actor,
            reason=reason or f"{transfer.gb} GB moved from key {transfer.source.upstream_id}",
        )
    with transaction.atomic():
        done = PoolKeyTransfer.objects.filter(pk=transfer.pk, state=T.SOURCE_REDUCED).update(
            state=T.DONE, target=target, finished_at=timezone.now(), last_error="", next_attempt_at=None
        )
        if done:
            pool_key_audit(
                action="pool_key.transfer_in",
                key=target,
                actor=actor,
                reason=reason or "customer moved GB to a new key",
                idempotency_key=mint_key,
                data={"transfer": transfer.pk, "gb": jsonable(transfer.gb), "from_key": transfer.source_id},
            )
    transfer.state, transfer.target = T.DONE, target


def _fail(transfer: PoolKeyTransfer, error: str) -> None:
    updated = PoolKeyTransfer.objects.filter(pk=transfer.pk, state__in=PoolKeyTransfer.OPEN_STATES).update(
        state=T.FAILED, last_error=error[:2000], finished_at=timezone.now()
    )
    if updated and transfer.state == T.SOURCE_REDUCED:
        operators_notify_on_commit(
            subject=f"GB move {transfer.pk} stopped halfway",
            body=f"{transfer.gb} GB were taken from key {transfer.source.upstream_id} (cap "
            f"{transfer.source_cap_before} -> {transfer.source_cap_after}) but the new key could not be made: "
            f"{error}\nGive the GB back to the source key, or make the key by hand, and tell the customer.",
            kind="pool_key_transfer",
            dedup_key=f"pool-key-transfer-{transfer.pk}",
        )
    transfer.state = T.FAILED


def pool_key_transfer_advance(*, transfer_id: int, actor: "User | None" = None, reason: str = "") -> PoolKeyTransfer:
    """Runs a move's remaining steps. A retryable upstream failure leaves the row where it is,
    for the reconciler (next_attempt_at); a refusal, or a move unfinished past the replay window,
    ends it in `failed` (operators are told when GB were already taken from the source)."""
    transfer = PoolKeyTransfer.objects.select_related("source", "customer").get(pk=transfer_id)
    if transfer.state not in PoolKeyTransfer.OPEN_STATES:
        return transfer
    attempts = transfer.attempts + 1
    PoolKeyTransfer.objects.filter(pk=transfer.pk).update(attempts=attempts)
    if timezone.now() - transfer.created_at > REPLAY_WINDOW:
        _fail(transfer, "not finished within 23 h; the upstream no longer deduplicates its writes")
        return transfer
    try:
        if transfer.state == T.PLANNED:
            _reduce_source(transfer, actor=actor, reason=reason)
        if transfer.state == T.SOURCE_REDUCED:
            _mint_target(transfer, actor=actor, reason=reason)
    except RetryableError as exc:
        wait = RETRY_SECONDS[min(attempts, len(RETRY_SECONDS)) - 1]
        logger.warning("transfer %s: step failed, retrying in %ss: %s", transfer.pk, wait, exc)
        PoolKeyTransfer.objects.filter(pk=transfer.pk).update(
            last_error=str(exc)[:2000], next_attempt_at=timezone.now() + timedelta(seconds=wait)
        )
    except (TerminalError, ApplicationError) as exc:
        logger.warning("transfer %s: step refused: %s", transfer.pk, exc)
        _fail(transfer, str(exc))
    transfer.refresh_from_db()
    return transfer


def pool_key_transfers_reconcile(*, now=None) -> dict:
    """Finishes moves left open by a failure (the periodic job): each open move whose retry time
    has come (or that never got one and is a minute old)."""
    now = now or timezone.now()
    due = PoolKeyTransfer.objects.filter(
        state__in=PoolKeyTransfer.OPEN_STATES, created_at__lte=now - timedelta(minutes=1)
    )
    due = due.exclude(next_attempt_at__gt=now)
    report = {"done": 0, "open": 0, "failed": 0}
    for pk in list(due.order_by("created_at").values_list("pk", flat=True)[:200]):
        state = pool_key_transfer_advance(transfer_id=pk, reason="reconciler finished an interrupted GB move").state
        report["done" if state == T.DONE else "failed" if state == T.FAILED else "open"] += 1
    return report

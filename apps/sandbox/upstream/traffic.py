"""Simulated customer traffic, so usage bars, alerts, sessions and auto-suspend can be seen on a
dev server. One tick: the nightly expiry job runs (the sandbox runs it on every tick rather than
at 03:30 UTC), then every enabled, unexpired key under its cap uses some megabytes through one
or two sticky sessions, and keys that reach their cap are suspended."""

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import transaction

from . import clock
from .models import SandboxKey
from .services import key_auto_suspend_cap, key_over_cap, sandbox_expiry_sweep, sandbox_purge
from .sessions import session_touch

logger = logging.getLogger(__name__)

SID_PARTS = ("main", "scraper", "bot01", "bot02", "checkout")
COUNTRIES = {"mbl": ("us", "us", "gb", "de", "pl", "fr", "es"), "peer": ("us", "br", "de", "gb", "fr")}
_MB = 1024 * 1024


@dataclass
class TrafficTick:
    keys_used: int = 0
    mb_added: Decimal = Decimal(0)
    sessions_touched: int = 0
    suspended_cap: list[str] = field(default_factory=list)
    suspended_expired: list[str] = field(default_factory=list)


def _session_tags(pak_ids: list[str]) -> dict[str, str]:
    """The shop's per-customer sid prefixes (PoolKey.session_tag), so simulated sessions carry the
    sids the shop's URLs would. Read through the app registry: the sandbox does not depend on the
    shop, and falls back to a tag of its own when the shop has no such model or row."""
    try:
        pool_key = apps.get_model("proxies", "PoolKey")
        with transaction.atomic():  # a savepoint: a failed query must not break the tick's transaction
            rows = list(pool_key.objects.filter(upstream_id__in=pak_ids).values_list("upstream_id", "session_tag"))
        return {upstream_id: tag for upstream_id, tag in rows if tag}
    except Exception:  # no model yet, or a different shape: simulate with our own tags
        return {}


def sandbox_simulate_traffic(
    *, now: datetime | None = None, rng: random.Random | None = None, mb: float | Decimal | None = None
) -> TrafficTick:
    """One tick of traffic. `mb` is the mean megabytes per active key (default
    settings.PROXIES_SX_SANDBOX_TRAFFIC_MB); `rng` makes a tick repeatable."""
    now = now or clock.now()
    rng = rng or random.Random()
    mean = Decimal(str(mb if mb is not None else settings.PROXIES_SX_SANDBOX_TRAFFIC_MB))
    tick = TrafficTick(suspended_expired=sandbox_expiry_sweep(now=now))
    with transaction.atomic():
        active = list(
            SandboxKey.objects.select_for_update()
            .filter(enabled=True)
            .exclude(expires_at__lte=now)
            .order_by("created_at", "id")
        )
        tags = _session_tags([k.public_id for k in active])
        for key in active:
            if key_auto_suspend_cap(key=key, now=now):  # e.g. the cap was lowered below the usage
                tick.suspended_cap.append(key.public_id)
                continue
            amount = (mean * Decimal(str(rng.uniform(0.5, 1.5)))).quantize(Decimal("0.001"))
            if amount <= 0:
                continue
            key.traffic_used_mb = Decimal(key.traffic_used_mb) + amount
            key.last_used_at = now
            key.save(update_fields=["traffic_used_mb", "last_used_at"])
            tick.keys_used += 1
            tick.mb_added += amount
            tick.sessions_touched += _spread_over_sessions(key, tags, amount, now, rng)
            if key_over_cap(key) and key_auto_suspend_cap(key=key, now=now):
                tick.suspended_cap.append(key.public_id)
        sandbox_purge(now=now)
    logger.info(
        "sandbox traffic: %s keys used %s MB; suspended at cap %s, expired %s",
        tick.keys_used,
        tick.mb_added,
        len(tick.suspended_cap),
        len(tick.suspended_expired),
    )
    return tick


def _spread_over_sessions(
    key: SandboxKey, tags: dict[str, str], amount: Decimal, now: datetime, rng: random.Random
) -> int:
    total_bytes = int(amount * _MB)
    tag = tags.get(key.public_id) or f"k{key.public_id[-6:]}"
    parts = rng.sample(SID_PARTS, k=rng.choice((1, 1, 2)))
    share = total_bytes // (len(parts) + 1)
    for part in parts:
        pool = rng.choice(("mbl", "mbl", "mbl", "peer"))
        session_touch(
            pak_id=key.public_id,
            session_id=f"{tag}_{part}",  # the URL grammar keeps "-" for separating tokens
            now=now,
            rng=rng,
            bytes_total=share,
            pool=pool,
            country=rng.choice(COUNTRIES[pool]),
        )
    # Some requests come without -sid-: the gateway gives them a synthesized session.
    if rng.random() < 0.3:
        session_touch(
            pak_id=key.public_id,
            session_id=None,
            now=now,
            rng=rng,
            bytes_total=share,
            pool="mbl",
            country=rng.choice(COUNTRIES["mbl"]),
        )
        return len(parts) + 1
    return len(parts)

"""Periodic job: simulated traffic on the sandbox upstream (scheduled only in sandbox mode)."""

from celery import shared_task
from django.conf import settings

from .upstream.traffic import sandbox_simulate_traffic


@shared_task(ignore_result=True)
def sandbox_traffic_tick() -> dict:
    if not settings.PROXIES_SX_SANDBOX:
        return {"skipped": "not in sandbox mode"}
    tick = sandbox_simulate_traffic()
    return {
        "keys_used": tick.keys_used,
        "mb_added": str(tick.mb_added),
        "suspended_cap": tick.suspended_cap,
        "suspended_expired": tick.suspended_expired,
    }

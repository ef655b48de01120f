"""Periodic job: simulated traffic on the sandbox upstream (scheduled only in sandbox mode)."""

from celery import shared_task
from django.conf import settings

from .payments.checkout import sandbox_payments_settle
from .ports.services import sandbox_ports_random_traffic, sandbox_ports_tick
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


@shared_task(ignore_result=True)
def sandbox_ports_tick_task() -> dict:
    """The ports simulator's clock: due auto-rotations and a little traffic on every port."""
    if not settings.PROXIES_SX_SANDBOX:
        return {"skipped": "not in sandbox mode"}
    rotated = sandbox_ports_tick()
    sandbox_ports_random_traffic()
    return {"rotated": len(rotated)}


@shared_task(ignore_result=True)
def sandbox_payments_settle_task() -> dict:
    """ "Pay later" test payments clear (or fail) a few seconds after the customer is back."""
    if not settings.STRIPE_SANDBOX:
        return {"skipped": "not in sandbox payments mode"}
    return {"settled": len(sandbox_payments_settle())}

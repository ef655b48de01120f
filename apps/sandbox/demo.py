"""Demo data for `manage.py demo_data` (sandbox only): the demo customer starts with a paid order,
the key it delivered, and two weeks of usage history, so the whole shop can be clicked through.

The order goes the real way: checkout, then a paid test checkout session whose events billing
processes in-process, which provisions the key. Only the history is planted: past days' readings
climbing to the key's current (simulated) usage."""

from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.billing.models import Order, Plan
from apps.billing.services.checkout import checkout_start
from apps.core.management.commands.demo_data import DEMO_CUSTOMER
from apps.proxies.models import PoolKey, PoolKeyUsageSample
from apps.proxies.services import pool_key_sync

from .payments.checkout import Outcome, sandbox_session_act
from .payments.models import SandboxCheckoutSession
from .upstream.models import SandboxKey

HISTORY_DAYS = 14
DEMO_SHARE_USED = Decimal("0.34")  # of the cap: a third used, well below the 80 % alert


def demo_data_create(*, stdout) -> None:
    if not settings.STRIPE_SANDBOX or not settings.PROXIES_SX_SANDBOX:
        return
    customer = apps.get_model(settings.AUTH_USER_MODEL).objects.filter(email__iexact=DEMO_CUSTOMER[0]).first()
    if customer is None or Order.objects.filter(customer=customer).exists():
        return
    plan = Plan.objects.filter(active=True, product_kind="pool_traffic").first()
    if plan is None:
        return
    order = checkout_start(customer=customer, plan=plan).order
    session = SandboxCheckoutSession.objects.get(order=order)
    sandbox_session_act(session_id=session.pk, outcome=Outcome.PAY)
    key = PoolKey.objects.live().filter(customer=customer).first()
    if key is None:
        stdout.write("Demo order paid; its key is still being provisioned.")
        return
    _usage_history(key)
    stdout.write(f"Demo customer: order {order.reference} paid, key {key.label} with {HISTORY_DAYS} days of usage.")


def _usage_history(key: PoolKey) -> None:
    """Past readings climbing to a third of the cap, then the key really uses that much upstream and a
    sync brings the mirror (and today's reading) up to it."""
    now = timezone.now()
    used_mb = ((key.cap_gb or Decimal(5)) * 1024 * DEMO_SHARE_USED).quantize(Decimal("0.001"))
    with transaction.atomic():
        SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=used_mb, last_used_at=now)
        step = used_mb / (HISTORY_DAYS + 1)
        for back in range(HISTORY_DAYS, 0, -1):
            moment = now - timedelta(days=back)
            used = (step * (HISTORY_DAYS - back + 1) * Decimal("0.9")).quantize(Decimal("0.001"))
            PoolKeyUsageSample.objects.update_or_create(
                pool_key=key,
                day=moment.date(),
                defaults={
                    "first_used_mb": used,
                    "last_used_mb": used,
                    "first_sampled_at": moment,
                    "last_sampled_at": moment,
                },
            )
    pool_key_sync(key=key)

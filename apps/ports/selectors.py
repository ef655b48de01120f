"""Reads of the ports mirror. A customer reaches only their own ports: someone else's port is
NotFound, exactly like a missing one."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import NotFound

from .models import Port, PortPlan, PortRotation, PortRotationLink, PortStatus, UpstreamAccountSnapshot

if TYPE_CHECKING:
    from apps.accounts.models import User

HISTORY_LIMIT = 20
DAYS_PER_TARIFF_MONTH = 30  # a monthly slot tariff prices 30 days (contract A11)
CENT = Decimal("0.01")


def port_list_for_customer(*, customer: "User") -> QuerySet[Port]:
    """The customer's ports, released ones last."""
    return Port.objects.filter(customer=customer).order_by("released_at", "-created_at", "-pk")


def port_get_for_customer(*, customer: "User", port_id) -> Port:
    try:
        return Port.objects.select_related("customer").get(pk=int(port_id), customer=customer)
    except (Port.DoesNotExist, TypeError, ValueError):
        raise NotFound(gettext("No such port.")) from None


def port_rotations(*, port: Port, limit: int = HISTORY_LIMIT) -> list[PortRotation]:
    return list(PortRotation.objects.filter(port=port).order_by("-rotated_at", "-pk")[:limit])


def port_rotations_queryset(*, port: Port) -> QuerySet[PortRotation]:
    """The port's whole mirrored history, newest first (for paging)."""
    return PortRotation.objects.filter(port=port).order_by("-rotated_at", "-pk")


def port_rotation_link_get(*, port: Port) -> PortRotationLink | None:
    return PortRotationLink.objects.filter(port=port, revoked_at__isnull=True).first()


def ports_expiring(*, within_days: int, now: datetime | None = None) -> QuerySet[Port]:
    now = now or timezone.now()
    return Port.objects.with_status(PortStatus.ACTIVE, now).filter(expires_at__lte=now + timedelta(days=within_days))


def port_plan_for_slug(*, plan_slug: str) -> PortPlan | None:
    return PortPlan.objects.filter(plan_slug=plan_slug).first()


def port_plans_by_slug() -> dict[str, PortPlan]:
    return {plan.plan_slug: plan for plan in PortPlan.objects.all()}


def port_renewal_plan_slugs(*, port: Port) -> list[str]:
    """The port plans that can renew `port`: those of its kind (shared or private). Billing holds
    which of them are on sale and their prices."""
    return list(PortPlan.objects.filter(sharing=port.sharing).values_list("plan_slug", flat=True))


def upstream_account_snapshot() -> UpstreamAccountSnapshot | None:
    """The reseller's upstream account as the background job last read it (None: never yet)."""
    return UpstreamAccountSnapshot.objects.filter(key="reseller").first()


def upstream_account_is_stale(snapshot: UpstreamAccountSnapshot, *, now: datetime | None = None) -> bool:
    """Older than three refresh intervals: the job is not running or the reads keep failing."""
    if snapshot.fetched_at is None:
        return True
    max_age = timedelta(seconds=3 * settings.PORTS_ACCOUNT_REFRESH_SECONDS)
    return (now or timezone.now()) - snapshot.fetched_at > max_age


def port_plan_wholesale_cost(*, plan: PortPlan, snapshot: UpstreamAccountSnapshot | None) -> Decimal | None:
    """What one port of `plan` costs the shop upstream for the plan's period: the tariffs feed's
    monthly slot price of its type x period / 30 days (contract A11), in the snapshot's currency.
    None while the tariffs have not been read."""
    if snapshot is None or plan.sharing not in (snapshot.slot_prices or {}):
        return None
    monthly = Decimal(str(snapshot.slot_prices[plan.sharing]))
    return (monthly * plan.period_days / DAYS_PER_TARIFF_MONTH).quantize(CENT, rounding=ROUND_HALF_UP)

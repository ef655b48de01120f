"""View as customer: what a customer's dashboard shows, for staff, read-only."""

from dataclasses import dataclass

from django.utils import timezone

from apps.billing.dashboard import order_views_for_customer, provisioning_status_for_customer
from apps.proxies.dashboard.page import KEY_STATES, sessions_view, usage_view
from apps.proxies.models import PoolKey
from apps.proxies.selectors import pool_key_list_for_customer, pool_key_usage, session_list_for_customer
from apps.proxies.selectors_usage import usage_chart_for_key
from apps.proxies.services.feeds import sessions_feed


@dataclass(frozen=True)
class CustomerKeyView:
    key: PoolKey
    state_label: str
    state_tone: str
    usage: object  # apps.proxies.dashboard.page.UsageView
    chart: object  # apps.proxies.selectors_usage.UsageChart


@dataclass(frozen=True)
class CustomerView:
    customer: object
    state: str  # no_key | preparing | key: the dashboard state the customer is in
    keys: list[CustomerKeyView]
    orders: list
    provisioning: object  # apps.billing.dashboard.ProvisioningStatus
    sessions: object | None  # apps.proxies.dashboard.page.SessionsView, from the cache only


def customer_console_view(*, customer) -> CustomerView:
    """What the customer's dashboard shows, for staff, read-only: the same selectors the dashboard
    uses, but from the mirror and the caches only (no upstream call, no reveal, no nudge of
    their orders). Secrets never appear: a key carries only its masked hint."""
    now = timezone.now()
    keys = []
    for key in pool_key_list_for_customer(customer=customer):
        label, tone = KEY_STATES.get(key.status_at(now), (key.status_at(now), "neutral"))
        keys.append(
            CustomerKeyView(
                key=key,
                state_label=label,
                state_tone=tone,
                usage=usage_view(pool_key_usage(key=key, now=now), now=now),
                chart=usage_chart_for_key(key=key),
            )
        )
    provisioning = provisioning_status_for_customer(customer=customer, has_key=bool(keys))
    state = "key" if keys else "preparing" if provisioning.waiting else "no_key"
    return CustomerView(
        customer=customer,
        state=state,
        keys=keys,
        orders=order_views_for_customer(customer=customer),
        provisioning=provisioning,
        sessions=_cached_sessions(customer) if keys else None,
    )


def _cached_sessions(customer):
    """From the cached sessions feed only (fetch=False never calls the upstream)."""
    return sessions_view(session_list_for_customer(customer=customer, feed=sessions_feed(fetch=False)))

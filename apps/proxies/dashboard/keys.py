"""The key switcher and the "where does this purchase go" choice, for a customer with several
keys. Formatting only: the view read the keys (`selectors.pool_key_dashboard`)."""

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from apps.core.errors import NotFound
from apps.proxies.models import PoolKeyStatus
from apps.proxies.selectors import PoolKeyDashboardItem
from apps.proxies.selectors_keys import TARGET_NEW, pool_key_display_name, pool_key_is_held

# A key's status as the page's pill and the switcher show it: (label, tone).
KEY_STATES: dict[str, tuple] = {
    PoolKeyStatus.ACTIVE: (gettext_lazy("Active"), "ok"),
    PoolKeyStatus.NEAR_CAP: (gettext_lazy("Running low"), "warn"),
    PoolKeyStatus.SUSPENDED_CAP: (gettext_lazy("Paused: traffic used up"), "danger"),
    PoolKeyStatus.EXPIRED: (gettext_lazy("Expired"), "danger"),
    PoolKeyStatus.DISABLED: (gettext_lazy("Disabled"), "danger"),
    PoolKeyStatus.MISSING: (gettext_lazy("Unavailable"), "danger"),
}


@dataclass(frozen=True)
class KeySwitchRow:
    """One key in the switcher: label, status, a small usage bar, expiry, and its page."""

    pk: int
    name: str
    status_label: str
    tone: str
    used_gb: Decimal
    cap_gb: Decimal | None
    bar_percent: int
    expires_at: object
    url: str
    selected: bool
    held: bool


def key_selected(items: list[PoolKeyDashboardItem], key_id) -> PoolKeyDashboardItem | None:
    """The key the page shows: `key_id` (from `?key=`) when given, else the newest. An id that is
    not one of these keys (someone else's, deleted, malformed) raises NotFound: a 404."""
    if key_id in (None, ""):
        return items[0] if items else None
    for item in items:
        if str(item.key.pk) == str(key_id):
            return item
    raise NotFound(gettext("No such pool key."))


def key_page_url(pk: int, *, dashboard: str = "") -> str:
    return f"{dashboard or reverse('proxies:dashboard')}?key={pk}"


def key_switch_rows(items: list[PoolKeyDashboardItem], selected: PoolKeyDashboardItem | None) -> list[KeySwitchRow]:
    rows = []
    dashboard = reverse("proxies:dashboard")
    for item in items:
        key, usage = item.key, item.usage
        label, tone = KEY_STATES.get(usage.status, (str(usage.status), "neutral"))
        rows.append(
            KeySwitchRow(
                pk=key.pk,
                name=pool_key_display_name(key),
                status_label=label,
                tone=tone,
                used_gb=usage.used_gb,
                cap_gb=usage.cap_gb,
                bar_percent=usage.bar_percent,
                expires_at=usage.expires_at,
                url=key_page_url(key.pk, dashboard=dashboard),
                selected=selected is not None and key.pk == selected.key.pk,
                held=pool_key_is_held(key),
            )
        )
    return rows


@dataclass(frozen=True)
class PurchaseTargets:
    """What billing's buy buttons offer (templates/billing/_pricing_cards.html): for plans of
    `kind`, a `target` select with these choices, `default` preselected; `back` is where a
    refused checkout returns."""

    kind: str
    choices: list[tuple[str, str]]
    default: str
    back: str


def purchase_targets(
    items: list[PoolKeyDashboardItem], selected: PoolKeyDashboardItem | None, *, can_add: bool
) -> PurchaseTargets:
    """Top up any key that can take traffic (the one the customer came from first), or a new key
    (while under their limit). Keys the shop holds disabled are not offered."""
    choices = []
    for item in items:
        if pool_key_is_held(item.key) or item.key.missing_upstream:
            continue
        choices.append((str(item.key.pk), f"Top up “{pool_key_display_name(item.key)}”"))
    if can_add:
        choices.append((TARGET_NEW, "A new key"))
    offered = {value for value, _ in choices}
    wanted = str(selected.key.pk) if selected is not None else ""
    default = wanted if wanted in offered else (TARGET_NEW if TARGET_NEW in offered else "")
    back = key_page_url(selected.key.pk) if selected is not None else reverse("proxies:dashboard")
    return PurchaseTargets(kind="pool_traffic", choices=choices, default=default, back=back)

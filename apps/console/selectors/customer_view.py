"""A customer's page in the console, beyond the inlines (keys, orders, audit entries): what they
spent and their lifetime value, their payments, the alerts sent about their keys, their API keys
and their dedicated ports. Read-only, from the database (no upstream call); never a secret (API
keys show their hint, ports no password)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce

from apps.accounts.models import ApiKey
from apps.billing.models import Order, Payment
from apps.ports.models import Port
from apps.proxies.models import PoolKeyAlert

ROWS_SHOWN = 20
ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=15, decimal_places=2)


@dataclass(frozen=True)
class Spend:
    """One currency of a customer's money: what their paid orders brought in, what went back."""

    currency: str
    orders_paid: int
    charged: Decimal
    refunded: Decimal
    disputed_orders: int

    @property
    def lifetime_value(self) -> Decimal:
        return self.charged - self.refunded


@dataclass(frozen=True)
class CustomerOverview:
    spend: list[Spend]
    first_paid_at: object  # datetime | None
    last_paid_at: object
    payments: list[Payment]
    alerts: list[PoolKeyAlert]
    api_keys: list[ApiKey]
    ports: list[Port]


def customer_console_overview(*, customer) -> CustomerOverview:
    paid = Order.objects.filter(customer=customer, paid_at__isnull=False).with_amount_charged()
    by_currency = (
        paid.values("currency")
        .annotate(
            orders=Count("pk"),
            charged=Coalesce(Sum("amount_charged_db"), ZERO, output_field=_MONEY),
            refunded=Coalesce(Sum("amount_refunded"), ZERO, output_field=_MONEY),
            disputed=Count("pk", filter=Q(status=Order.Status.DISPUTED)),
        )
        .order_by("currency")
    )
    dates = paid.order_by("paid_at").values_list("paid_at", flat=True)
    return CustomerOverview(
        spend=[
            Spend(
                currency=row["currency"],
                orders_paid=row["orders"],
                charged=row["charged"],
                refunded=row["refunded"],
                disputed_orders=row["disputed"],
            )
            for row in by_currency
        ],
        first_paid_at=dates.first(),
        last_paid_at=dates.last(),
        payments=list(
            Payment.objects.filter(order__customer=customer)
            .select_related("order")
            .order_by("-created_at")[:ROWS_SHOWN]
        ),
        alerts=list(PoolKeyAlert.objects.filter(pool_key__customer=customer).select_related("pool_key")[:ROWS_SHOWN]),
        api_keys=list(ApiKey.objects.filter(customer=customer).order_by("revoked_at", "-created_at")[:ROWS_SHOWN]),
        ports=list(Port.objects.filter(customer=customer).order_by("released_at", "-created_at")[:ROWS_SHOWN]),
    )

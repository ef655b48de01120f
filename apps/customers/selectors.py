"""Everything the shop keeps about one customer, as plain JSON-ready data (docs/privacy.md)."""

from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.billing.models import Invoice, Order
from apps.core.models import AuditEntry
from apps.ports.models import Port
from apps.proxies.models import PoolKey, PoolKeyUsageSample

EXPORT_VERSION = 1


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}"


def customer_data_export(*, customer: User) -> dict[str, Any]:
    """The customer's data: profile, orders with invoices, keys' and ports' metadata (never a
    secret), daily usage, API keys' metadata and the audit entries about them."""
    keys = list(PoolKey.objects.filter(customer=customer).order_by("pk"))
    return {
        "export_version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "email": customer.email,
            "name": customer.name,
            "joined_at": _iso(customer.date_joined),
            "last_login_at": _iso(customer.last_login),
            "terms_version_accepted": customer.terms_version_accepted,
            "terms_accepted_at": _iso(customer.terms_accepted_at),
        },
        "orders": [_order(order) for order in Order.objects.filter(customer=customer).order_by("created_at")],
        "pool_keys": [_key(key) for key in keys],
        "usage_daily": [
            {"key_label": s.pool_key.label, "day": s.day.isoformat(), "used_mb_at_end": _num(s.last_used_mb)}
            for s in PoolKeyUsageSample.objects.filter(pool_key__in=keys).select_related("pool_key").order_by("day")
        ],
        "ports": [_port(port) for port in Port.objects.filter(customer=customer).order_by("pk")],
        "api_keys": [
            {
                "name": key.name,
                "last4": key.last4,
                "scopes": key.scopes,
                "created_at": _iso(key.created_at),
                "last_used_at": _iso(key.last_used_at),
                "revoked_at": _iso(key.revoked_at),
            }
            for key in customer.api_keys.order_by("pk")
        ],
        "audit": [
            {"at": _iso(e.created_at), "action": e.action, "reason": e.reason, "ip": e.ip, "data": e.data}
            for e in AuditEntry.objects.filter(customer=customer).order_by("created_at")
        ],
    }


def _order(order: Order) -> dict[str, Any]:
    invoice = Invoice.objects.filter(order=order).first()
    return {
        "id": str(order.public_id),
        "plan": order.plan_name,
        "product": order.product_kind,
        "gb": _num(order.gb),
        "price": _num(order.price),
        "currency": order.currency,
        "status": order.status,
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "refunded": _num(order.amount_refunded),
        "billing_details": order.billing_details,
        "invoice": None
        if invoice is None
        else {"number": invoice.number or invoice.provider_invoice_id, "total": _num(invoice.total)},
    }


def _key(key: PoolKey) -> dict[str, Any]:
    return {
        "label": key.label,
        "cap_gb": _num(key.cap_gb),
        "used_mb": _num(key.used_mb),
        "enabled": key.enabled,
        "created_at": _iso(key.created_at),
        "expires_at": _iso(key.expires_at),
        "deleted_at": _iso(key.deleted_at),
        "secret_last4": key.secret_last4,
    }


def _port(port: Port) -> dict[str, Any]:
    return {
        "name": port.display_name or port.name,
        "sharing": port.sharing,
        "country": port.country_code,
        "carrier": port.carrier,
        "created_at": _iso(port.created_at),
        "expires_at": _iso(port.expires_at),
        "released_at": _iso(port.released_at),
    }

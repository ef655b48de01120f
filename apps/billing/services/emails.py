"""Customer emails and the operator alert for an order. Plain text plus HTML; never a secret in
them (the proxy secret is shown only on the dashboard, to its owner). Operator mail goes through
apps.core.services.notifications, the one service every app uses."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import brand_get
from apps.billing.models import Order
from apps.billing.selectors import order_delivery_view
from apps.core.i18n import language_of
from apps.core.mail import mail_from, mail_send
from apps.core.services.notifications import operators_notify

from .orders import UNDERPAID_REASON

logger = logging.getLogger(__name__)

# kind -> (timestamp field that makes it once-only, template base name, subject)
CUSTOMER_EMAILS = {
    "receipt": ("receipt_sent_at", "emails/billing/receipt", _("Your receipt for %(plan)s (%(ref)s)")),
    "ready": ("ready_sent_at", "emails/billing/ready", _("Your proxy is ready")),
}


def _context(order: Order) -> dict:
    return {
        "order": order,
        "delivery": order_delivery_view(order),
        "brand": brand_get(),
        "site_url": settings.SITE_URL,
        "status_url": settings.SITE_URL + reverse("billing:order_status", args=[order.public_id]),
        "dashboard_url": settings.SITE_URL + "/dashboard/",
    }


def order_email_send(*, order_id: int, kind: str) -> bool:
    """Sends one customer email for an order, at most once (claimed with a conditional UPDATE
    before sending). True when it was sent now."""
    if kind == "operator_alert":
        return order_operator_alert(order_id=order_id)
    if kind == "ready":
        # The receipt goes first (once-only, like every customer email): "your proxy is ready"
        # never arrives before the mail that says the payment was received.
        order_email_send(order_id=order_id, kind="receipt")
    field, template, subject = CUSTOMER_EMAILS[kind]
    claimed = Order.objects.filter(pk=order_id, **{f"{field}__isnull": True}).update(**{field: timezone.now()})
    if not claimed:
        return False
    order = Order.objects.select_related("customer").get(pk=order_id)
    with language_of(order.customer):
        message = _customer_message(order, template, subject)
    try:
        mail_send(message=message)  # headers cleaned: a CR/LF in a plan or brand name must not break it
    except Exception:
        # Mail trouble must not undo the order; release the claim so a retry can send it.
        Order.objects.filter(pk=order_id).update(**{field: None})
        raise
    return True


def _customer_message(order: Order, template: str, subject: str | Promise) -> EmailMultiAlternatives:
    context = _context(order)
    brand = context["brand"]
    message = EmailMultiAlternatives(
        subject=f"[{brand.name}] " + str(subject) % {"plan": order.plan_name, "ref": order.reference},
        body=render_to_string(f"{template}.txt", context),
        from_email=mail_from(brand.name),
        to=[order.customer.email],
        reply_to=[brand.support_email] if brand.support_email else None,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def order_operator_alert(*, order_id: int) -> bool:
    claimed = Order.objects.filter(pk=order_id, operator_alerted_at__isnull=True).update(
        operator_alerted_at=timezone.now()
    )
    if not claimed:
        return False
    order = Order.objects.select_related("customer").get(pk=order_id)
    context = _context(order)
    context["admin_url"] = settings.SITE_URL + reverse("admin:billing_order_change", args=[order.pk])
    context["underpaid"] = order.failure_reason.startswith(UNDERPAID_REASON)
    try:
        operators_notify(
            subject=f"Order {order.reference} needs attention",
            body=render_to_string("emails/billing/operator_alert.txt", context),
        )
    except Exception:
        # Like the customer emails: release the claim, or the task's retry finds it taken and the
        # operator never hears about a paid order without a key.
        Order.objects.filter(pk=order_id).update(operator_alerted_at=None)
        raise
    return True

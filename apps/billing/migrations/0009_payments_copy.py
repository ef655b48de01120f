"""Payments as rows: every order's Stripe fields become a Payment, every stored StripeEvent a
ProviderEvent, every BillingProfile.stripe_customer_id a ProviderCustomer. Nothing is lost: the
reverse writes them back (0010 then drops the old columns and table).

The provider is told apart by the ids the payment simulator hands out: `cs_test_sandbox_…`
sessions, `pi_sandbox_…` payments, `cus_sandbox_…` customers and `evt_sandbox_…` events are the
sandbox's; everything else is Stripe's."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery


def _provider(*refs: str, sandbox_prefixes=("cs_test_sandbox_", "pi_sandbox_", "cus_sandbox_", "evt_sandbox_")) -> str:
    return "sandbox" if any(ref.startswith(sandbox_prefixes) for ref in refs if ref) else "stripe"


def _state(order) -> str:
    if order.paid_at is not None:
        return "confirmed"
    if order.status == "expired":
        return "canceled"
    if order.status == "failed":
        return "failed"
    # Pending, or refunded/disputed before the payment was recorded (the refund outran it).
    return "pending" if order.stripe_checkout_session_id else "created"


def orders_to_payments(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    Payment = apps.get_model("billing", "Payment")
    with_payment = (
        ~Q(stripe_checkout_session_id="")
        | ~Q(stripe_payment_intent_id="")
        | ~Q(stripe_customer_id="")
        | ~Q(checkout_url="")
        | ~Q(payment_status="")
        | Q(amount_paid__isnull=False)
        | Q(paid_at__isnull=False)
    )
    batch = []
    for order in Order.objects.filter(with_payment).order_by("pk").iterator(chunk_size=500):
        state = _state(order)
        confirmed = state == "confirmed"
        batch.append(
            Payment(
                order_id=order.pk,
                provider=_provider(order.stripe_checkout_session_id, order.stripe_payment_intent_id),
                state=state,
                amount=order.price,
                currency=order.currency,
                amount_received=order.amount_paid if confirmed else None,
                currency_received=order.currency if confirmed and order.amount_paid is not None else "",
                reference=order.stripe_checkout_session_id,
                payment_reference=order.stripe_payment_intent_id,
                customer_reference=order.stripe_customer_id,
                redirect_url=order.checkout_url,
                provider_status=order.payment_status[:32],
                info={"copied_from": "order"},
                confirmed_at=order.paid_at if confirmed else None,
                failed_at=order.failed_at if state == "failed" else None,
            )
        )
        if len(batch) >= 500:
            Payment.objects.bulk_create(batch)
            batch = []
    Payment.objects.bulk_create(batch)
    # auto_now_add stamped them now: an attempt dates from its order.
    Payment.objects.update(created_at=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("created_at")[:1]))


def customers_to_provider_customers(apps, schema_editor):
    BillingProfile = apps.get_model("billing", "BillingProfile")
    ProviderCustomer = apps.get_model("billing", "ProviderCustomer")
    ProviderCustomer.objects.bulk_create(
        ProviderCustomer(provider=_provider(profile.stripe_customer_id), user_id=profile.user_id, reference=ref)
        for profile in BillingProfile.objects.exclude(stripe_customer_id="").iterator()
        if (ref := profile.stripe_customer_id)
    )


def events_to_provider_events(apps, schema_editor):
    StripeEvent = apps.get_model("billing", "StripeEvent")
    ProviderEvent = apps.get_model("billing", "ProviderEvent")
    Payment = apps.get_model("billing", "Payment")
    fields = [
        "event_id",
        "type",
        "livemode",
        "payload",
        "order_id",
        "last_received_at",
        "deliveries",
        "attempts",
        "processed_at",
        "outcome",
        "error",
        "traceback",
    ]
    batch = []
    for event in StripeEvent.objects.order_by("pk").iterator(chunk_size=500):
        values = {name: getattr(event, name) for name in fields}
        batch.append(ProviderEvent(provider=_provider(event.event_id), **values))
        if len(batch) >= 500:
            ProviderEvent.objects.bulk_create(batch)
            batch = []
    ProviderEvent.objects.bulk_create(batch)
    ProviderEvent.objects.update(
        received_at=Subquery(StripeEvent.objects.filter(event_id=OuterRef("event_id")).values("received_at")[:1])
    )
    # The payment an event was about: its order had one (the order's Stripe fields).
    ProviderEvent.objects.filter(order__isnull=False).update(
        payment=Subquery(Payment.objects.filter(order_id=OuterRef("order_id")).values("pk")[:1])
    )


def forward(apps, schema_editor):
    orders_to_payments(apps, schema_editor)
    customers_to_provider_customers(apps, schema_editor)
    events_to_provider_events(apps, schema_editor)


def backward(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    Payment = apps.get_model("billing", "Payment")
    BillingProfile = apps.get_model("billing", "BillingProfile")
    ProviderCustomer = apps.get_model("billing", "ProviderCustomer")
    StripeEvent = apps.get_model("billing", "StripeEvent")
    ProviderEvent = apps.get_model("billing", "ProviderEvent")

    # The confirmed payment, else the newest attempt: that is what the order's fields held.
    for order_id in Payment.objects.values_list("order_id", flat=True).distinct():
        payments = Payment.objects.filter(order_id=order_id)
        payment = payments.filter(state="confirmed").first() or payments.order_by("-created_at", "-pk").first()
        order = Order.objects.get(pk=order_id)
        same_currency = payment.currency_received == order.currency
        Order.objects.filter(pk=order_id).update(
            stripe_checkout_session_id=payment.reference,
            stripe_payment_intent_id=payment.payment_reference,
            stripe_customer_id=payment.customer_reference,
            checkout_url=payment.redirect_url,
            payment_status=payment.provider_status,
            amount_paid=payment.amount_received if payment.state == "confirmed" and same_currency else None,
        )

    for customer in ProviderCustomer.objects.order_by("pk").iterator():
        profile, _ = BillingProfile.objects.get_or_create(user_id=customer.user_id)
        if not profile.stripe_customer_id:
            BillingProfile.objects.filter(pk=profile.pk).update(stripe_customer_id=customer.reference)

    for event in ProviderEvent.objects.order_by("pk").iterator():
        if StripeEvent.objects.filter(event_id=event.event_id).exists():
            continue  # the same id from two providers: the first one stays
        StripeEvent.objects.create(
            event_id=event.event_id,
            type=event.type,
            livemode=event.livemode,
            payload=event.payload,
            order_id=event.order_id,
            last_received_at=event.last_received_at,
            deliveries=event.deliveries,
            attempts=event.attempts,
            processed_at=event.processed_at,
            outcome=event.outcome,
            error=event.error,
            traceback=event.traceback,
        )
    StripeEvent.objects.update(
        received_at=Subquery(
            ProviderEvent.objects.filter(event_id=OuterRef("event_id")).order_by("pk").values("received_at")[:1]
        )
    )
    ProviderEvent.objects.all().delete()
    ProviderCustomer.objects.all().delete()
    Payment.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_payments")]

    operations = [migrations.RunPython(forward, backward)]

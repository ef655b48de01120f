"""Factories for billing. Orders made here skip checkout; flows that matter go through the
real checkout and webhook instead (see conftest.py)."""

from decimal import Decimal

import factory
from django.utils import timezone

from apps.billing.models import Order, Payment, Plan
from tests.factories import UserFactory


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"plan-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    gb = Decimal("5")
    price = Decimal("35.00")
    currency = "usd"
    validity_days = 30
    active = True


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(PlanFactory)
    plan_name = factory.LazyAttribute(lambda o: o.plan.name)
    gb = factory.LazyAttribute(lambda o: o.plan.gb)
    price = factory.LazyAttribute(lambda o: o.plan.price)
    currency = factory.LazyAttribute(lambda o: o.plan.currency)
    validity_days = factory.LazyAttribute(lambda o: o.plan.validity_days)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment of an order, pending at the sandbox provider unless told otherwise;
    `confirmed=True` makes it the order's money received (its amount, unless given)."""

    class Meta:
        model = Payment

    class Params:
        confirmed = factory.Trait(
            state=Payment.State.CONFIRMED,
            amount_received=factory.LazyAttribute(lambda o: o.amount),
            currency_received=factory.LazyAttribute(lambda o: o.currency),
            confirmed_at=factory.LazyFunction(timezone.now),
        )

    order = factory.SubFactory(OrderFactory)
    provider = "sandbox"
    state = Payment.State.PENDING
    amount = factory.LazyAttribute(lambda o: o.order.price)
    currency = factory.LazyAttribute(lambda o: o.order.currency)


def order_payment(order: Order) -> Payment:
    """The order's one payment (the attempt its checkout made)."""
    return order.payments.get()

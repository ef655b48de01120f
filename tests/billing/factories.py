"""Factories for billing. Orders made here skip checkout; flows that matter go through the
real checkout and webhook instead (see conftest.py)."""

from decimal import Decimal

import factory

from apps.billing.models import Order, Plan
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

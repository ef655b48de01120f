"""The three plans a fresh shop sells; the operator edits them in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULT_PLANS = [
    {"slug": "starter", "name": "Starter", "tagline": "Try it out, or run a small job.", "gb": Decimal("5"),
     "price": Decimal("35.00"), "sort_order": 10, "highlighted": False},
    {"slug": "pro", "name": "Pro", "tagline": "For steady daily workloads.", "gb": Decimal("25"),
     "price": Decimal("150.00"), "sort_order": 20, "highlighted": True},
    {"slug": "scale", "name": "Scale", "tagline": "The best price per GB.", "gb": Decimal("100"),
     "price": Decimal("500.00"), "sort_order": 30, "highlighted": False},
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for fields in DEFAULT_PLANS:
        Plan.objects.get_or_create(
            slug=fields["slug"], defaults={**fields, "currency": "usd", "validity_days": 30, "active": True}
        )


def remove_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(slug__in=[p["slug"] for p in DEFAULT_PLANS], orders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_plans, remove_plans)]

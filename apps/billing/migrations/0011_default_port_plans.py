"""The two port plans a fresh shop sells (dedicated_port), matching the PortPlan rows the ports
app's 0002 migration keyed by these slugs; the operator edits or hides them in the admin. `gb`
is the quantity: one port."""

from decimal import Decimal

from django.db import migrations

PORT_PLANS = [
    {"slug": "port-shared-30d", "name": "Shared mobile port", "tagline": "A dedicated 4G/5G port, shared slot, 30 days.",
     "price": Decimal("60.00"), "sort_order": 40},
    {"slug": "port-private-30d", "name": "Private mobile port",
     "tagline": "A dedicated 4G/5G port on its own device, 30 days.", "price": Decimal("120.00"), "sort_order": 50},
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for fields in PORT_PLANS:
        Plan.objects.get_or_create(
            slug=fields["slug"],
            defaults={**fields, "product_kind": "dedicated_port", "gb": Decimal("1"), "currency": "usd",
                      "validity_days": 30, "active": True, "highlighted": False},
        )


def remove_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(slug__in=[p["slug"] for p in PORT_PLANS], orders__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0010_payments_drop_stripe_fields")]

    operations = [migrations.RunPython(create_plans, remove_plans)]

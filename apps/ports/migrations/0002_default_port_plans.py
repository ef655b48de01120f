"""The default port plans (a shared and a private 30-day port, any country), keyed by the slugs
of the billing plans the lead's billing migration adds; operators edit or hide them."""

from django.db import migrations

DEFAULTS = [
    {"plan_slug": "port-shared-30d", "sharing": "shared", "period_days": 30},
    {"plan_slug": "port-private-30d", "sharing": "private", "period_days": 30},
]


def add_defaults(apps, schema_editor):
    PortPlan = apps.get_model("ports", "PortPlan")
    for row in DEFAULTS:
        PortPlan.objects.get_or_create(plan_slug=row["plan_slug"], defaults=row)


def remove_defaults(apps, schema_editor):
    PortPlan = apps.get_model("ports", "PortPlan")
    PortPlan.objects.filter(plan_slug__in=[row["plan_slug"] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("ports", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]

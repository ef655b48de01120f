"""The pool product's own bookkeeping (issue 9): how each order's traffic is delivered (mint, or
top up which key) moves from billing's Order (provisioning_action, pool_key) to
PoolKeyFulfilment, keyed by the order's public reference. Copied here from every order that had
decided; billing's 0007_products then drops the order's fields."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_decisions(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    PoolKeyFulfilment = apps.get_model("proxies", "PoolKeyFulfilment")
    orders = Order.objects.exclude(provisioning_action="").order_by("pk")
    rows = [
        PoolKeyFulfilment(
            order_ref=order.public_id.hex[:16],  # Order.reference
            customer_id=order.customer_id,
            action=order.provisioning_action,
            key_id=order.pool_key_id,
            started_at=order.provisioning_started_at or order.paid_at or order.created_at,
            # A top-up links its key when it starts; only a delivery sets provisioned_at.
            delivered_at=order.provisioned_at if order.pool_key_id else None,
        )
        for order in orders.iterator()
    ]
    PoolKeyFulfilment.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("proxies", "0002_usage_history_and_alerts"),
        ("billing", "0006_mark_minted_orders_delivered"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PoolKeyFulfilment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("order_ref", models.CharField(max_length=64, unique=True)),
                (
                    "action",
                    models.CharField(
                        choices=[("mint", "Mint a new key"), ("top_up", "Top up the customer's key")], max_length=16
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "key",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fulfilments",
                        to="proxies.poolkey",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["customer", "action"], name="poolkey_fulfilment_cust_idx")],
            },
        ),
        migrations.RunPython(copy_decisions, migrations.RunPython.noop),
    ]

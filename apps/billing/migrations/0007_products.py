"""Products behind a registry (issue 9): a plan and its orders name their product kind; an order
keeps the product's reference of what it delivered (`fulfilment_ref`, for pool traffic the key's
id) instead of a foreign key into proxies; a refund effect keeps the product's plan (JSON) instead
of pool-specific cap columns. The pool product's decisions were copied to
proxies.PoolKeyFulfilment by proxies 0003."""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


def forwards(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    KeyAdjustment = apps.get_model("billing", "KeyAdjustment")
    delivered = Order.objects.filter(pool_key__isnull=False).filter(
        models.Q(provisioned_at__isnull=False) | models.Q(status="provisioned")
    )
    for pk, key_id in delivered.values_list("pk", "pool_key_id").iterator():
        Order.objects.filter(pk=pk).update(fulfilment_ref=str(key_id))
    planned = KeyAdjustment.objects.filter(
        models.Q(target_cap_gb__isnull=False) | models.Q(cap_before_gb__isnull=False)
    )
    for pk, before, target in planned.values_list("pk", "cap_before_gb", "target_cap_gb").iterator():
        plan = {
            "cap_before_gb": None if before is None else str(before),
            "target_cap_gb": None if target is None else str(target),
        }
        KeyAdjustment.objects.filter(pk=pk).update(plan=plan)


def backwards(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    KeyAdjustment = apps.get_model("billing", "KeyAdjustment")
    PoolKeyFulfilment = apps.get_model("proxies", "PoolKeyFulfilment")
    decisions = {row.order_ref: row for row in PoolKeyFulfilment.objects.all()}
    for order in Order.objects.filter(product_kind="pool_traffic").iterator():
        decision = decisions.get(order.public_id.hex[:16])
        key_id = int(order.fulfilment_ref) if order.fulfilment_ref.isdigit() else None
        if decision is not None:
            key_id = key_id or decision.key_id
        Order.objects.filter(pk=order.pk).update(
            pool_key_id=key_id, provisioning_action=decision.action if decision is not None else ""
        )
    for adjustment in KeyAdjustment.objects.filter(plan__isnull=False).iterator():
        plan = adjustment.plan or {}
        KeyAdjustment.objects.filter(pk=adjustment.pk).update(
            cap_before_gb=plan.get("cap_before_gb"), target_cap_gb=plan.get("target_cap_gb")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_mark_minted_orders_delivered"),
        ("proxies", "0003_pool_key_fulfilment"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="product_kind",
            field=models.CharField(
                default="pool_traffic",
                help_text="What the plan sells (a registered product).",
                max_length=32,
                verbose_name="product",
            ),
        ),
        migrations.AlterField(
            model_name="plan",
            name="gb",
            field=models.DecimalField(
                decimal_places=2,
                help_text="The quantity sold: GB for proxy traffic.",
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(Decimal("0.01"))],
                verbose_name="GB",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="product_kind",
            field=models.CharField(default="pool_traffic", max_length=32, verbose_name="product"),
        ),
        migrations.AddField(
            model_name="order",
            name="fulfilment_ref",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="The product's id of what this order delivered (for pool traffic: the key).",
                max_length=64,
                verbose_name="delivery",
            ),
        ),
        migrations.AddField(
            model_name="keyadjustment",
            name="plan",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveConstraint(
            model_name="order",
            name="billing_order_provisioned_has_key",
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(~models.Q(status="provisioned"), ~models.Q(fulfilment_ref=""), _connector="OR"),
                name="billing_order_provisioned_has_delivery",
            ),
        ),
        migrations.RemoveField(
            model_name="order",
            name="pool_key",
        ),
        migrations.RemoveField(
            model_name="order",
            name="provisioning_action",
        ),
        migrations.RemoveField(
            model_name="keyadjustment",
            name="cap_before_gb",
        ),
        migrations.RemoveField(
            model_name="keyadjustment",
            name="target_cap_gb",
        ),
    ]

"""The products migration (billing 0007, proxies 0003) keeps every order's delivery: the key an
order delivered becomes its `fulfilment_ref`, the pool decisions move to PoolKeyFulfilment, and
a refund effect's computed cap becomes its plan."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("billing", "0006_mark_minted_orders_delivered"), ("proxies", "0002_usage_history_and_alerts")]
AFTER = [("billing", "0007_products"), ("proxies", "0003_pool_key_fulfilment")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_products_migration_keeps_every_delivery_and_decision():
    try:
        old = migrate(BEFORE)
        now = timezone.now()
        user = old.get_model("accounts", "User").objects.create(email="m@example.com")
        plan = old.get_model("billing", "Plan").objects.create(slug="p", name="P", gb=Decimal(5), price=Decimal(35))
        key = old.get_model("proxies", "PoolKey").objects.create(customer=user, upstream_id="pk_1", cap_gb=5)
        Order = old.get_model("billing", "Order")
        fields = {"customer": user, "plan": plan, "plan_name": "P", "gb": 5, "price": 35, "currency": "usd"}
        minted = Order.objects.create(
            **fields,
            status="provisioned",
            paid_at=now,
            provisioned_at=now,
            provisioning_action="mint",
            provisioning_started_at=now - timedelta(minutes=1),
            pool_key=key,
        )
        topping = Order.objects.create(  # a top-up in flight: its key linked, nothing delivered yet
            **fields,
            status="paid",
            paid_at=now,
            provisioning_action="top_up",
            provisioning_started_at=now,
            pool_key=key,
        )
        waiting = Order.objects.create(**fields, status="paid", paid_at=now)
        old.get_model("billing", "KeyAdjustment").objects.create(
            order=minted,
            kind="refund",
            action="reduce_cap",
            reference="ch_1:700",
            amount=7,
            gb=1,
            target_cap_gb=Decimal("4.000"),
            cap_before_gb=Decimal("5.000"),
        )

        new = migrate(AFTER)

        Order = new.get_model("billing", "Order")
        assert Order.objects.get(pk=minted.pk).fulfilment_ref == str(key.pk)
        assert Order.objects.get(pk=topping.pk).fulfilment_ref == ""
        assert Order.objects.get(pk=waiting.pk).product_kind == "pool_traffic"
        assert new.get_model("billing", "KeyAdjustment").objects.get().plan == {
            "cap_before_gb": "5.000",
            "target_cap_gb": "4.000",
        }
        decisions = {
            row.order_ref: (row.action, row.key_id, row.delivered_at is not None)
            for row in new.get_model("proxies", "PoolKeyFulfilment").objects.all()
        }
        assert decisions == {
            minted.public_id.hex[:16]: ("mint", key.pk, True),
            topping.public_id.hex[:16]: ("top_up", key.pk, False),
        }
        assert new.get_model("billing", "Plan").objects.get(pk=plan.pk).product_kind == "pool_traffic"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

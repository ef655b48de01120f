"""provisioned_at now means "the goods were delivered", also for an order refunded or disputed
while its key was being minted (its key was linked, its status left alone). Mark those: a mint
links the key only once it exists. (A top-up links its key when it starts, so it cannot tell.)"""

from django.db import migrations
from django.db.models import F


def mark_delivered(apps, schema_editor):
    Order = apps.get_model("billing", "Order")
    Order.objects.filter(provisioned_at__isnull=True, pool_key__isnull=False, provisioning_action="mint").update(
        provisioned_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_refund_ordering_and_dispute_closure")]

    operations = [migrations.RunPython(mark_delivered, migrations.RunPython.noop)]

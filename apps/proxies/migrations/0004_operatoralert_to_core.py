"""OperatorAlert now lives in core (core's 0002 took over the table): dropped from this app's
migration state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("proxies", "0003_pool_key_fulfilment"),
        ("core", "0002_operatoralert"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OperatorAlert")],
            database_operations=[],
        ),
    ]

"""OperatorAlert moves from proxies to core (one operator-notification service for every app).

The table and its rows stay: the model is taken over in the migration state only, then its
table is renamed, and the content type (with its permissions) is relabelled."""

from django.db import migrations, models


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="operatoralert").exists():
        ContentType.objects.filter(app_label=old, model="operatoralert").update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, "proxies", "core")


def backwards(apps, schema_editor):
    _relabel(apps, "core", "proxies")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("proxies", "0002_usage_history_and_alerts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OperatorAlert",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(db_index=True, max_length=32)),
                        ("dedup_key", models.CharField(max_length=128, unique=True)),
                        ("subject", models.CharField(max_length=200)),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.CharField(blank=True, max_length=500)),
                    ],
                    options={"ordering": ["-created_at", "-id"], "db_table": "proxies_operatoralert"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="operatoralert", table=None),
        migrations.RunPython(forwards, backwards),
    ]

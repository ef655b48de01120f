"""Runs the billing reconciler once: for deployments without celery beat (cron it every few
minutes), and for operators who want to re-drive stuck orders now."""

from django.core.management.base import BaseCommand

from apps.billing.tasks import reconcile_orders


class Command(BaseCommand):
    help = "Re-drive paid orders not provisioned yet, pending refund effects, unsent receipts, unsettled payments."

    def handle(self, *args, **options):
        report = reconcile_orders()
        self.stdout.write(
            f"due: {report['due']}, given up: {report['given_up']}, refund effects: {report['adjustments']}, "
            f"receipts: {report['receipts']}, async payments re-read: {report['events']}"
        )

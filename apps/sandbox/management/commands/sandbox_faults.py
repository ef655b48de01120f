"""Shows or changes the faults of the sandbox upstream (in-process and any running
`sandbox_upstream` on the same database):

    manage.py sandbox_faults                       # show
    manage.py sandbox_faults --latency-ms 300      # change
    manage.py sandbox_faults --fail-status 429 --retry-after 2 --fail-times 3 --fail-path '/reseller/*'
    manage.py sandbox_faults --clear
"""

from django.core.management.base import BaseCommand

from apps.sandbox.upstream import faults
from apps.sandbox.upstream.cli import add_fault_arguments, apply_fault_options, describe_faults


class Command(BaseCommand):
    help = "Show, set or clear the sandbox upstream's injected faults."

    def add_arguments(self, parser):
        parser.add_argument("--clear", action="store_true", help="Remove every fault first.")
        add_fault_arguments(parser)

    def handle(self, *args, **options):
        if options["clear"]:
            faults.faults_clear()
        apply_fault_options(options)
        self.stdout.write(describe_faults())

"""Simulates customer traffic on the sandbox upstream's keys:

manage.py sandbox_traffic                        # one tick
manage.py sandbox_traffic --ticks 30 --mb 200    # 30 ticks of ~200 MB per active key
manage.py sandbox_traffic --ticks 0 --interval 60   # forever, once a minute
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.upstream.traffic import sandbox_simulate_traffic


class Command(BaseCommand):
    help = "Grow usage on the sandbox upstream's active keys (auto-suspend and expiry included)."

    def add_arguments(self, parser):
        parser.add_argument("--ticks", type=int, default=1, help="How many ticks (0: until interrupted).")
        parser.add_argument("--mb", type=float, help="Mean MB per active key per tick.")
        parser.add_argument("--interval", type=float, default=0.0, help="Seconds between ticks.")
        parser.add_argument("--seed", type=int, help="Makes the traffic repeatable.")

    def handle(self, *args, **options):
        if options["ticks"] < 0 or options["interval"] < 0 or (options["mb"] is not None and options["mb"] <= 0):
            raise CommandError("--ticks and --interval must not be negative, --mb must be positive.")
        if options["ticks"] == 0 and options["interval"] <= 0:
            raise CommandError("Running until interrupted needs an --interval.")
        rng = random.Random(options["seed"])
        done = 0
        try:
            while options["ticks"] == 0 or done < options["ticks"]:
                if done and options["interval"]:
                    time.sleep(options["interval"])
                tick = sandbox_simulate_traffic(rng=rng, mb=options["mb"])
                done += 1
                self.stdout.write(
                    f"tick {done}: {tick.keys_used} keys used {tick.mb_added} MB over {tick.sessions_touched} "
                    f"sessions; suspended at cap: {len(tick.suspended_cap)}, expired: {len(tick.suspended_expired)}"
                )
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

"""The periodic jobs without a beat: the development server runs CELERY_BEAT_SCHEDULE itself.

With `REDIS_URL` set, Celery beat sends the periodic jobs to a worker. Without it (`make run`),
nothing would ever run them: no usage sync, no alerts, no sandbox traffic, no expiry jobs. So the
one process that serves the development server's requests starts one thread that runs each
entry of the schedule inline, by its task name, every `schedule` seconds. Not the autoreloader's
parent process (it serves nothing), not the test suite, not other management commands.

Each job takes its own short transactions and closes its database connection afterwards; the
SQLite settings (WAL, a busy timeout) let it share the file with the requests."""

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection

from .jobs import job_task

logger = logging.getLogger(__name__)

# The first run of each entry comes this many seconds after start, one entry after the other,
# so the server is up before the jobs ask the (simulated) upstream anything.
FIRST_RUN_DELAY = 2.0


@dataclass
class ScheduleEntry:
    name: str
    task: str
    every: float
    due: float


def schedule_entries(schedule: Mapping[str, Mapping], *, start: float) -> list[ScheduleEntry]:
    """The beat schedule as entries with a period in seconds (numbers and timedeltas; a crontab
    entry is left to a real beat and logged)."""
    entries = []
    for position, (name, entry) in enumerate(sorted(schedule.items())):
        every = entry.get("schedule")
        if isinstance(every, timedelta):
            every = every.total_seconds()
        if not isinstance(every, int | float) or every <= 0:
            logger.warning("in-process schedule: %s has no period in seconds, not run without a beat", name)
            continue
        entries.append(
            ScheduleEntry(name=name, task=entry["task"], every=float(every), due=start + FIRST_RUN_DELAY + position)
        )
    return entries


def job_run_inline(name: str) -> None:
    """Runs the task registered as `name` in this thread: called directly, not sent, so a job due
    every few seconds does not print a "task succeeded" line into the developer's terminal."""
    job_task(name)()


def scheduler_wanted(*, argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """True only in the runserver process that serves requests, and only without a broker."""
    if settings.REDIS_URL or not settings.RUNSERVER_SCHEDULER:
        return False
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    # With the autoreloader the parent watches files; its child (RUN_MAIN=true) serves.
    return "--noreload" in argv or environ.get("RUN_MAIN") == "true"


class Scheduler:
    """Runs due entries; `run_due` is one round (tests call it with their own clock)."""

    def __init__(
        self,
        schedule: Mapping[str, Mapping],
        *,
        clock: Callable[[], float] = time.monotonic,
        run: Callable[[str], None] = job_run_inline,
    ):
        self.clock = clock
        self.run = run
        self.entries = schedule_entries(schedule, start=clock())
        self.stopped = threading.Event()

    def run_due(self) -> list[str]:
        ran = []
        for entry in self.entries:
            if self.clock() < entry.due:
                continue
            entry.due = self.clock() + entry.every
            try:
                self.run(entry.task)
            except Exception:
                logger.exception("in-process schedule: %s failed", entry.name)
            finally:
                close_old_connections()
            ran.append(entry.name)
        return ran

    def seconds_to_next(self) -> float:
        if not self.entries:
            return 60.0
        return max(0.5, min(entry.due for entry in self.entries) - self.clock())

    def loop(self) -> None:
        try:
            while not self.stopped.is_set():
                self.run_due()
                self.stopped.wait(self.seconds_to_next())
        finally:
            connection.close()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.loop, name="periodic-jobs", daemon=True)
        thread.start()
        names = ", ".join(f"{e.name} every {e.every:g} s" for e in self.entries)
        logger.info("periodic jobs run in this process (no REDIS_URL): %s", names)
        return thread


_started: Scheduler | None = None
_lock = threading.Lock()


def scheduler_start_if_wanted(*, argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> Scheduler | None:
    """Starts the one scheduler of this process when it is the serving runserver."""
    global _started
    if not scheduler_wanted(argv=argv, environ=environ):
        return None
    with _lock:
        if _started is None:
            _started = Scheduler(settings.CELERY_BEAT_SCHEDULE)
            _started.start()
    return _started

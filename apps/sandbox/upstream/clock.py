"""The sandbox's clock. Everything in the sandbox asks `now()`; tests swap the clock with
`use_clock()` (or move the whole process with time-machine, which this follows by default)."""

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.utils import timezone

_clock: Callable[[], datetime] = timezone.now


def now() -> datetime:
    return _clock()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Sets the clock for the whole process; None restores django.utils.timezone.now."""
    global _clock
    _clock = clock or timezone.now


@contextlib.contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    previous = _clock
    set_clock(clock)
    try:
        yield
    finally:
        set_clock(previous)


class ManualClock:
    """A clock that stands still until moved: `clock.advance(hours=25)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or timezone.now()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

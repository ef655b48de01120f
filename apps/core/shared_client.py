"""One outside-system client per process (one connection pool), built lazily from settings and
rebuilt after a fork (Celery workers); the pool and ports services each keep one."""

import os
import threading
from collections.abc import Callable
from typing import Protocol


class Closable(Protocol):
    def close(self) -> None: ...


class PerProcessClient[C: Closable]:
    def __init__(self, build: Callable[[], C]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._shared: tuple[int, C] | None = None

    def get(self) -> C:
        with self._lock:
            pid = os.getpid()
            if self._shared is None or self._shared[0] != pid:
                self._shared = (pid, self._build())
            return self._shared[1]

    def reset(self) -> None:
        """Closes this process's client (a forked child never closes its parent's); the next
        get() builds a new one, e.g. after a test changed the settings."""
        with self._lock:
            if self._shared is not None and self._shared[0] == os.getpid():
                self._shared[1].close()
            self._shared = None

"""Helpers for the "test my proxy" tests (the live_gateway fixture is in conftest.py)."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from apps.proxies.models import ProxyTest


def pending_test(key, username: str = "psx_sandbox", protocol: str = "http", **options) -> ProxyTest:
    from django.conf import settings

    options = {"pool": "mbl", "protocol": protocol, "rotation": "none", **options}
    return ProxyTest.objects.create(
        pool_key=key, username=username, protocol=protocol, options=options, target_url=settings.PROXY_TEST_URL
    )


@contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung site)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()

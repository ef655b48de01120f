"""Where the services get their upstream client: one seam, so tests can hand them the real
client over the sandbox transport (or count its calls) without touching the shared instance.

The transport is chosen here, not in the upstream client: in sandbox mode it is the class named
by settings.PROXIES_SX_SANDBOX_TRANSPORT (the in-project simulator), loaded by its dotted path so
proxies never imports apps.sandbox."""

import os
import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from apps.proxies.upstream.client import PoolGatewayClient


def build_upstream_client() -> PoolGatewayClient:
    """A new client from settings; in sandbox mode, wired to the in-process simulator."""
    transport = None
    api_key = settings.PROXIES_SX_API_KEY
    if settings.PROXIES_SX_SANDBOX:
        transport = import_string(settings.PROXIES_SX_SANDBOX_TRANSPORT)()
        api_key = settings.PROXIES_SX_SANDBOX_API_KEY
    return PoolGatewayClient(
        base_url=settings.PROXIES_SX_API_URL,
        api_key=api_key,
        transport=transport,
        connect_timeout=settings.PROXIES_SX_CONNECT_TIMEOUT,
        read_timeout=settings.PROXIES_SX_READ_TIMEOUT,
        max_attempts=settings.PROXIES_SX_MAX_ATTEMPTS,
    )


_lock = threading.Lock()
_shared: tuple[int, PoolGatewayClient] | None = None


def get_upstream_client() -> PoolGatewayClient:
    """The process-wide client (one connection pool). Rebuilt after a fork (Celery workers)."""
    global _shared
    with _lock:
        pid = os.getpid()
        if _shared is None or _shared[0] != pid:
            _shared = (pid, build_upstream_client())
        return _shared[1]


def reset_upstream_client() -> None:
    global _shared
    with _lock:
        if _shared is not None and _shared[0] == os.getpid():
            _shared[1].close()
        _shared = None


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    # Tests that override PROXIES_SX_* get a client built from the new values.
    if setting.startswith("PROXIES_SX_"):
        reset_upstream_client()


setting_changed.connect(_on_setting_changed, dispatch_uid="proxies-upstream-client-reset")


def upstream_client() -> PoolGatewayClient:
    return get_upstream_client()

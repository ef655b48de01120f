"""Where the services get their upstream client: one seam, so tests can hand them the real
client over the sandbox transport (or count its calls) without touching the shared instance.

The transport is chosen here, not in the upstream client: in sandbox mode it is the class named
by settings.PROXIES_SX_SANDBOX_TRANSPORT (the in-project simulator), loaded by its dotted path so
proxies never imports apps.sandbox."""

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from apps.core.shared_client import PerProcessClient
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


_client = PerProcessClient(build_upstream_client)


def get_upstream_client() -> PoolGatewayClient:
    """The process-wide client (one connection pool). Rebuilt after a fork (Celery workers)."""
    return _client.get()


def reset_upstream_client() -> None:
    _client.reset()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    # Tests that override PROXIES_SX_* get a client built from the new values.
    if setting.startswith("PROXIES_SX_"):
        reset_upstream_client()


setting_changed.connect(_on_setting_changed, dispatch_uid="proxies-upstream-client-reset")


def upstream_client() -> PoolGatewayClient:
    return get_upstream_client()

"""Where the ports services get their upstream client: one seam, so tests can hand them the real
client over the sandbox transport (or count its calls).

The transport is chosen here, not in the client: in sandbox mode it is the class named by
settings.PORTS_SANDBOX_TRANSPORT (the in-project simulator), loaded by its dotted path so ports
never imports apps.sandbox. The ports API lives on the same host, with the same reseller key, as
the pool API (PROXIES_SX_*)."""

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from apps.core.shared_client import PerProcessClient
from apps.ports.upstream.client import PortsClient


def build_ports_client() -> PortsClient:
    transport = None
    api_key = settings.PROXIES_SX_API_KEY
    if settings.PROXIES_SX_SANDBOX:
        transport = import_string(settings.PORTS_SANDBOX_TRANSPORT)()
        api_key = settings.PROXIES_SX_SANDBOX_API_KEY
    return PortsClient(
        base_url=settings.PROXIES_SX_API_URL,
        api_key=api_key,
        transport=transport,
        connect_timeout=settings.PROXIES_SX_CONNECT_TIMEOUT,
        read_timeout=settings.PROXIES_SX_READ_TIMEOUT,
        max_attempts=settings.PROXIES_SX_MAX_ATTEMPTS,
    )


_client = PerProcessClient(build_ports_client)
# Tests hand the services another client (the real one over the sandbox, wrapped in a counter).
_override: PortsClient | None = None


def ports_client() -> PortsClient:
    """The process-wide client (one connection pool). Rebuilt after a fork (Celery workers)."""
    if _override is not None:
        return _override
    return _client.get()


def reset_ports_client() -> None:
    _client.reset()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith(("PROXIES_SX_", "PORTS_")):
        reset_ports_client()


setting_changed.connect(_on_setting_changed, dispatch_uid="ports-upstream-client-reset")

"""Where the services get their upstream client: one seam, so tests can hand them the real
client over the sandbox transport (or count its calls) without touching the shared instance."""

from apps.proxies.upstream.client import PoolGatewayClient, get_upstream_client


def upstream_client() -> PoolGatewayClient:
    return get_upstream_client()

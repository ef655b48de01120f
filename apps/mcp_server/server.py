"""The MCP server: the tools of apps/mcp_server/tools on the official SDK's MCPServer, served over
Streamable HTTP (`manage.py mcp_server --port`) or stdio (`manage.py mcp_server --stdio`)."""

from django.conf import settings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from .http import ApiKeyAuthMiddleware
from .tools import REGISTRY

MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "Tools of a proxy shop, acting for the customer whose API key authenticated this connection: "
    "plans, proxy keys and their traffic, proxy URLs, live sessions, stock and incidents, orders, "
    "proxy tests and dedicated ports. Secrets are only returned by reveal_key_secret. A tool the key's "
    "scopes do not allow answers an error naming the missing scope."
)
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def build_server() -> MCPServer:
    server: MCPServer = MCPServer(
        "storefront",
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )
    for spec in REGISTRY:
        server.add_tool(
            spec.fn,
            name=spec.name,
            title=spec.title,
            description=" ".join((spec.fn.__doc__ or "").split()),
            annotations=ToolAnnotations(
                title=spec.title,
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                open_world_hint=False,
            ),
        )

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return server


def transport_security() -> TransportSecuritySettings:
    """DNS rebinding protection with the shop's own host names (ALLOWED_HOSTS, any port) and
    loopback; off when ALLOWED_HOSTS allows any host."""
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS]
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    names = LOOPBACK_HOSTS + hosts
    origins = [settings.SITE_URL.rstrip("/"), *settings.CSRF_TRUSTED_ORIGINS]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*names, *(f"{name}:*" for name in names)],
        allowed_origins=[*origins, *(f"{scheme}://{name}:*" for name in names for scheme in ("http", "https"))],
    )


def http_app(server: MCPServer | None = None) -> Starlette:
    """The ASGI app: the SDK's Streamable HTTP app behind the API-key check."""
    app = (server or build_server()).streamable_http_app(
        streamable_http_path=MCP_PATH, transport_security=transport_security()
    )
    app.add_middleware(ApiKeyAuthMiddleware)
    return app

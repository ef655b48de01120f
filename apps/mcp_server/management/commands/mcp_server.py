"""Runs the MCP server (docs/mcp.md).

manage.py mcp_server --port 8010 [--host 0.0.0.0]   Streamable HTTP at /mcp; each request
                                                     carries Authorization: Bearer <sfk_ key>
manage.py mcp_server --stdio                         stdio, for a local assistant; the key
                                                     comes from STOREFRONT_API_KEY
"""

import os

import anyio
import uvicorn
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.errors import ApiKeyDenied
from apps.mcp_server.caller import authenticate, stdio_key_set
from apps.mcp_server.server import MCP_PATH, build_server, http_app

API_KEY_VARIABLE = "STOREFRONT_API_KEY"


class Command(BaseCommand):
    help = "Serve the shop's MCP tools over Streamable HTTP (--port) or stdio (--stdio)."

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--port", type=int, help="Serve Streamable HTTP on this port (path /mcp).")
        mode.add_argument("--stdio", action="store_true", help=f"Serve stdio; the key comes from {API_KEY_VARIABLE}.")
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on with --port (default 127.0.0.1).")

    def handle(self, *args, **options) -> None:
        if options["stdio"]:
            self._stdio()
            return
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError("--port must be 1 to 65535.")
        self.stderr.write(f"MCP server on http://{options['host']}:{port}{MCP_PATH}")
        uvicorn.run(http_app(), host=options["host"], port=port, log_level="warning", proxy_headers=False)

    def _stdio(self) -> None:
        raw_key = os.environ.get(API_KEY_VARIABLE, "").strip()
        if not raw_key:
            raise CommandError(f"Set {API_KEY_VARIABLE} to one of your API keys (sfk_...).")
        try:
            authenticate(raw_key, None)
        except ApiKeyDenied as exc:
            raise CommandError(f"{API_KEY_VARIABLE}: {exc.message}") from None
        stdio_key_set(raw_key)
        anyio.run(build_server().run_stdio_async)

"""The Streamable HTTP door: every request must carry `Authorization: Bearer <sfk_ key>`, checked
by the API's own authentication (revoked, expired, wrong mode, disabled account, IP allow-list).
No key or a bad one is answered 401 (403 for an address the key may not be used from) in the
API's error shape, before the MCP layer sees anything."""

import io
import json

import anyio.to_thread
from django.core.handlers.asgi import ASGIRequest
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.accounts.errors import ApiKeyDenied
from apps.core.http import client_ip

from .caller import CALLER, authenticate

OPEN_PATHS = ("/healthz",)
HEADER_HELP = "Send the API key as `Authorization: Bearer <key>`."


def _client_ip(scope: Scope) -> str | None:
    """Read like the API reads it (TRUSTED_PROXY_COUNT, TRUSTED_CLIENT_IP_HEADER)."""
    return client_ip(ASGIRequest({**scope, "method": scope.get("method", "GET")}, io.BytesIO()))


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    type_ = "authentication_required" if status == 401 else "forbidden"
    body = json.dumps({"error": {"type": type_, "code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="mcp"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ApiKeyAuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        parts = Headers(scope=scope).get("authorization", "").split()
        if not parts:
            await _refuse(send, 401, "missing_api_key", HEADER_HELP)
            return
        if parts[0].lower() != "bearer" or len(parts) != 2:
            await _refuse(send, 401, "invalid_authorization_header", HEADER_HELP)
            return
        try:
            caller = await anyio.to_thread.run_sync(authenticate, parts[1], _client_ip(scope))
        except ApiKeyDenied as exc:
            await _refuse(send, exc.status, exc.code, exc.message)
            return
        # The SDK binds each MCP session to the credential that opened it (scope["user"]).
        token = AccessToken(token=caller.key.hint, client_id=f"sfk:{caller.key.pk}", scopes=list(caller.key.scopes))
        scope = {**scope, "user": AuthenticatedUser(token)}
        reset = CALLER.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            CALLER.reset(reset)

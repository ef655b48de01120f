"""Live sessions, scoped to the caller exactly as on the dashboard (their keys' session prefix)."""

from dataclasses import asdict
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from apps.accounts.models import ApiKeyScope
from apps.api.serializers.sessions import SessionSerializer
from apps.proxies.selectors import (
    pool_key_get_for_customer,
    session_key_id,
    session_list_for_customer,
    session_sid,
    session_tag_keys,
)
from apps.proxies.services import feeds
from apps.proxies.services.sessions import session_close, sessions_close_all

from .base import caller, plain, tool
from .catalog import UNAVAILABLE

SESSIONS_WRITE = ApiKeyScope.SESSIONS_WRITE.value


@tool(title="List live sessions")
def list_sessions(
    key_id: Annotated[int | None, Field(ge=1, description="Only this key's sessions (an id from list_keys).")] = None,
) -> dict[str, Any]:
    """Your live proxy sessions, most recent activity first: session_key (pass it to
    close_session), sid, the key_id it belongs to, exit IP, country, carrier and traffic. Needs the
    read scope."""
    customer = caller().customer
    key = pool_key_get_for_customer(customer=customer, key_id=key_id) if key_id is not None else None
    result = session_list_for_customer(customer=customer, feed=feeds.sessions_feed(fetch=True), key=key)
    if not result.available and result.failed:
        raise ToolError(UNAVAILABLE)
    tag_keys = session_tag_keys(customer=customer)
    rows = [
        {**asdict(session), "sid": session_sid(session), "key_id": session_key_id(session, tag_keys)}
        for session in result.sessions
    ]
    return {"sessions": plain(SessionSerializer(rows, many=True).data)}


@tool(title="Close a session", scope=SESSIONS_WRITE, read_only=False, destructive=True)
def close_session(
    session_key: Annotated[str, Field(min_length=1, max_length=300, description="A session_key from list_sessions.")],
) -> dict[str, Any]:
    """Closes one of your live sessions (never anyone else's): the tool using it reconnects with a
    new IP. Needs the sessions:write scope."""
    who = caller()
    closed = session_close(customer=who.customer, session_key=session_key, ip=who.ip)
    return {"session_key": closed.session_key, "closed": True}


@tool(title="Close all sessions", scope=SESSIONS_WRITE, read_only=False, destructive=True)
def close_all_sessions() -> dict[str, Any]:
    """Closes every one of your live sessions (never anyone else's); answers how many closed and
    how many could not be. Needs the sessions:write scope."""
    who = caller()
    result = sessions_close_all(customer=who.customer, ip=who.ip)
    return {"closed": result.closed, "failed": result.failed}

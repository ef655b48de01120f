"""Dedicated mobile ports: list, rotate the IP, change credentials, read and change automatic
rotation. The same services as the API and the Ports dashboard, counted against the same limits.
Writes take an optional idempotency_key, as the API's Idempotency-Key header: an agent that
retries a call after a lost answer replays the first upstream write instead of repeating it."""

import uuid
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from apps.accounts.models import ApiKeyScope
from apps.api.serializers.ports import (
    NewCredentialsSerializer,
    PortSerializer,
    RotateResultSerializer,
    RotationSettingsSerializer,
)
from apps.api.services import IDEMPOTENCY_KEY_PATTERN
from apps.core.ratelimit import rate_limit_allows_for, rate_limit_window_seconds
from apps.ports.selectors import port_get_for_customer, port_list_for_customer
from apps.ports.services import (
    port_credentials_change,
    port_idempotency_key,
    port_refresh_if_stale,
    port_rotate,
    port_rotation_settings_set,
)
from apps.ports.upstream.records import AUTO_ROTATION_BOUNDS

from .base import Caller, caller, plain, tool

PORTS_WRITE = ApiKeyScope.PORTS_WRITE.value
PortId = Annotated[int, Field(ge=1, description="A dedicated port's id, from list_ports.")]
IdempotencyKey = Annotated[
    str | None,
    Field(
        max_length=255,
        description="Any unique string (a UUID) for this change; send the same one when retrying the "
        "call after a lost answer, and the first change is replayed instead of repeated.",
    ),
]
Login = Annotated[str | None, Field(description="Omit to keep the login. 4-64 letters, digits, _ . ~ or -.")]
Password = Annotated[str | None, Field(description="Omit to have one generated. 4-64 letters, digits, _ . ~ or -.")]


def _key(port_id: int, action: str, idempotency_key: str | None) -> str:
    """The upstream write's key: the caller's (prefixed, so it never collides with the API's or
    the dashboard's) or a new one."""
    if idempotency_key is None:
        return port_idempotency_key(action=action, port_id=port_id, nonce=uuid.uuid4().hex)
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(idempotency_key):
        raise ToolError("idempotency_key: 1 to 255 printable ASCII characters.")
    return port_idempotency_key(action=action, port_id=port_id, nonce=f"mcp-{idempotency_key}")


def _allow(who: Caller, action: str) -> None:
    if not rate_limit_allows_for(action=action, user_id=who.customer.pk, ip=who.ip):
        wait = rate_limit_window_seconds(action=action)
        raise ToolError(f"Too many changes in a short time (the dashboard's limit applies); try again in {wait} s.")


@tool(title="List dedicated ports")
def list_ports() -> dict[str, Any]:
    """Your dedicated mobile ports, newest first: host, http_port, socks5_port, login (the password
    is never listed), status, country, carrier, public IP, rotation cooldown and expiry. Needs the
    read scope."""
    return {"ports": plain(PortSerializer(list(port_list_for_customer(customer=caller().customer)), many=True).data)}


@tool(title="Rotate a port's IP", scope=PORTS_WRITE, read_only=False)
def rotate_port(port_id: PortId, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """A new IP for a dedicated port now. A shared port rotates at most every 5 minutes, a private
    one every minute; inside the cooldown the tool says how many seconds are left. Answers old_ip
    and new_ip (null for a private port until its new IP arrives). With an idempotency_key, a retry
    answers the first rotation instead of rotating again. Needs the ports:write scope."""
    who = caller()
    port = port_get_for_customer(customer=who.customer, port_id=port_id)
    _allow(who, "port_rotate")
    outcome = port_rotate(
        port=port,
        idempotency_key=_key(port.pk, "rotate", idempotency_key),
        actor=who.customer,
        ip=who.ip,
        reason="customer rotated the port through the MCP server",
        # A retry with a key must reach the upstream's replay, not the cooldown its first call began.
        check_first=idempotency_key is None,
    )
    return plain(
        RotateResultSerializer({"old_ip": outcome.old_ip, "new_ip": outcome.new_ip, "message": outcome.message}).data
    )


@tool(title="Give a port new credentials", scope=PORTS_WRITE, read_only=False, destructive=True)
def change_port_credentials(
    port_id: PortId,
    login: Login = None,
    password: Password = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """New credentials for a dedicated port: the old password stops working at once. Omit login
    to keep it, omit password to have one generated. Answers the port and the new password (only
    in this answer). With an idempotency_key, a retry gets the same new password. Needs the
    ports:write scope."""
    who = caller()
    port = port_get_for_customer(customer=who.customer, port_id=port_id)
    _allow(who, "port_change")
    port, new_password = port_credentials_change(
        port=port,
        login=login,
        password=password,
        idempotency_key=_key(port.pk, "credentials", idempotency_key),
        actor=who.customer,
        ip=who.ip,
        reason="customer changed the credentials through the MCP server",
    )
    return plain(NewCredentialsSerializer({"port": port, "password": new_password}).data)


@tool(title="A port's automatic rotation")
def get_port_rotation_settings(port_id: PortId) -> dict[str, Any]:
    """A port's automatic rotation: enabled, interval_seconds, match_carrier, match_city, and the
    interval bounds for this port (min_interval_seconds, max_interval_seconds). Needs the read
    scope."""
    port = port_get_for_customer(customer=caller().customer, port_id=port_id)
    port_refresh_if_stale(port=port)
    return plain(RotationSettingsSerializer(port).data)


@tool(title="Change a port's automatic rotation", scope=PORTS_WRITE, read_only=False)
def set_port_rotation_settings(
    port_id: PortId,
    enabled: Annotated[bool | None, Field(description="Turn automatic rotation on or off; omitted: unchanged.")] = None,
    interval_seconds: Annotated[
        int | None,
        Field(description="Seconds between rotations: 300-86400 for a shared port, 60-86400 for a private one."),
    ] = None,
    match_carrier: Annotated[bool | None, Field(description="Keep the same carrier when rotating.")] = None,
    match_city: Annotated[bool | None, Field(description="Keep the same city when rotating.")] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Changes a port's automatic rotation; send only what changes. Answers the settings as they
    are now. Needs the ports:write scope."""
    who = caller()
    port = port_get_for_customer(customer=who.customer, port_id=port_id)
    low, high = AUTO_ROTATION_BOUNDS[port.sharing]
    interval = interval_seconds if interval_seconds is not None else (port.auto_rotation_seconds or low)
    if not low <= interval <= high:
        raise ToolError(f"interval_seconds: for a {port.sharing} port it is {low} to {high} seconds.")
    _allow(who, "port_change")
    port = port_rotation_settings_set(
        port=port,
        enabled=port.auto_rotation_enabled if enabled is None else enabled,
        interval_seconds=interval,
        match_carrier=port.match_carrier if match_carrier is None else match_carrier,
        match_city=port.match_city if match_city is None else match_city,
        idempotency_key=_key(port.pk, "auto", idempotency_key),
        actor=who.customer,
        ip=who.ip,
    )
    return plain(RotationSettingsSerializer(port).data)

"""The pool client's engine (transport, retries, logging, health) with the ports API's error
codes on top (docs/ports-contract.md, "Errors" and A7): a rotation refused for its cooldown is
terminal (never retried), and a create refused for want of a slot or a device says which."""

import httpx

from apps.proxies.upstream.core import UpstreamCaller
from apps.proxies.upstream.errors import UpstreamConflict, UpstreamError, UpstreamRateLimited

from .errors import PortNoCapacity, PortRotationCooldown

ROTATE_OPS = frozenset({"rotate_port", "rotate_by_token"})
COOLDOWN_CODES = frozenset({"rotation_cooldown", "rate_limited_rotation"})
NO_SLOT_CODES = frozenset({"no_available_slots", "no_slots"})
NO_DEVICE_CODES = frozenset({"no_available_devices", "no_devices"})


USER_AGENT = "storefront-ports-client/1"


class PortsCaller(UpstreamCaller):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._http.headers["User-Agent"] = USER_AGENT

    def _error_for(self, response: httpx.Response, *, op: str) -> UpstreamError:
        error = super()._error_for(response, op=op)
        kwargs = {"status": error.status, "request_id": error.request_id, "code": error.code}
        code = (error.code or "").lower()
        if isinstance(error, UpstreamRateLimited) and (op in ROTATE_OPS or code in COOLDOWN_CODES):
            return PortRotationCooldown(error.message, retry_after=error.retry_after, **kwargs)
        if isinstance(error, UpstreamConflict) and op == "create_port":
            text = error.message.lower()
            if code in NO_DEVICE_CODES or (code not in NO_SLOT_CODES and "device" in text):
                return PortNoCapacity(error.message, reason="devices", **kwargs)
            if code in NO_SLOT_CODES or "slot" in text:
                return PortNoCapacity(error.message, reason="slots", **kwargs)
        return error

"""An httpx transport that answers facilitator calls from the sandbox facilitator in-process
(settings.X402_SANDBOX_TRANSPORT): POST /verify, POST /settle, GET /supported under any base URL.
Injected faults surface as a real network would show them: httpx.ReadTimeout, or a 5xx reply."""

import json

import httpx

from . import facilitator
from .faults import claim


def serve(method: str, path: str, body: bytes) -> tuple[int, dict | None, str]:
    """(status, JSON answer, drop) for one call; drop "timeout" means no answer came back."""
    endpoint = path.rstrip("/").rsplit("/", 1)[-1]
    if (method, endpoint) not in {("POST", "verify"), ("POST", "settle"), ("GET", "supported")}:
        return 404, {"error": "not found"}, ""
    fault = claim(endpoint)
    if fault is not None and not fault.after:
        return (0, None, "timeout") if fault.mode == "timeout" else (fault.status, {"error": "injected fault"}, "")
    if endpoint == "supported":
        answer = facilitator.supported()
    else:
        try:
            data = json.loads(body or b"{}")
            payload, requirements = data["paymentPayload"], data["paymentRequirements"]
        except (ValueError, KeyError, TypeError):
            return 400, {"error": "expected paymentPayload and paymentRequirements"}, ""
        answer = (facilitator.verify if endpoint == "verify" else facilitator.settle)(payload, requirements)
    if fault is not None:  # phase "after": it took effect, the reply is lost
        return (0, None, "timeout") if fault.mode == "timeout" else (fault.status, {"error": "injected fault"}, "")
    return 200, answer, ""


class SandboxFacilitatorTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, answer, drop = serve(request.method, request.url.path, request.read())
        if drop:
            raise httpx.ReadTimeout("timed out (sandbox facilitator)", request=request)
        return httpx.Response(status, json=answer, request=request)

"""The sandbox facilitator over HTTP (/sandbox/x402/facilitator/{verify,settle,supported}), for
agents and tools outside the shop's process. The same code as the in-process transport."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .transport import serve


@csrf_exempt
def facilitator(request: HttpRequest, endpoint: str) -> JsonResponse:
    status, answer, drop = serve(request.method or "GET", f"/{endpoint}", request.body)
    if drop:
        status, answer = 504, {"error": "injected timeout"}
    return JsonResponse(answer or {}, status=status)

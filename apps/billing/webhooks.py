"""Payment providers' webhook endpoints. Kept out of ATOMIC_REQUESTS: the delivery record and any
failure note must survive even when processing rolls back. /billing/stripe/webhook/ is Stripe's
(the URL configured in Stripe's dashboard); /billing/webhooks/<provider>/ any provider's."""

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import provider_event_receive


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def provider_webhook(request, provider: str):
    result = provider_event_receive(provider=provider, payload=request.body, headers=request.headers)
    body = {"received": result.status < 300, "outcome": result.outcome}
    if result.detail:
        body["detail"] = result.detail
    if result.event_id:
        body["event"] = result.event_id
    return JsonResponse(body, status=result.status)

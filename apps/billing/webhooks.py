"""The Stripe webhook endpoint. Kept out of ATOMIC_REQUESTS: the delivery record and any
failure note must survive even when processing rolls back."""

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import stripe_webhook_receive


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def stripe_webhook(request):
    result = stripe_webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    body = {"received": result.status < 300, "outcome": result.outcome}
    if result.detail:
        body["detail"] = result.detail
    return JsonResponse(body, status=result.status)

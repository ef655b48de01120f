from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.proxies.selectors import pool_key_list_for_customer, pool_key_usage

from ..examples import ME
from ..serializers.account import MeSerializer
from .base import ApiView


class MeView(ApiView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="Your account at a glance",
        description="Keys, traffic left across keys that have not expired, the next expiry, and the API key in use.",
        responses={200: MeSerializer},
        examples=[ME],
    )
    def get(self, request):
        now = timezone.now()
        keys = list(pool_key_list_for_customer(customer=self.customer))
        usages = [pool_key_usage(key=key, now=now) for key in keys]
        current = [u for u in usages if u.expires_at is None or u.expires_at > now]
        expiries = [u.expires_at for u in current if u.expires_at is not None]
        api_key = request.auth
        data = {
            "email": self.customer.email,
            "created_at": self.customer.date_joined,
            "sandbox": settings.SANDBOX_ACTIVE,
            "keys_count": len(keys),
            "unlimited_keys": sum(1 for u in usages if u.unlimited),
            "gb_left": sum((u.remaining_gb for u in current if u.remaining_gb is not None), start=Decimal(0)),
            "next_expiry": min(expiries, default=None),
            "api_key": {
                "id": api_key.pk,
                "name": api_key.name,
                "hint": api_key.hint,
                "mode": api_key.mode,
                "scopes": api_key.scopes,
                "expires_at": api_key.expires_at,
            },
        }
        return Response(MeSerializer(data).data)

from django.http import Http404, HttpRequest

from apps.proxies.models import PoolKey
from apps.proxies.selectors import pool_key_get_for_customer


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def own_key(request: HttpRequest, key_id) -> PoolKey:
    """The caller's key or 404: someone else's key looks exactly like a missing one."""
    try:
        return pool_key_get_for_customer(customer=request.user, key_id=key_id)
    except PoolKey.DoesNotExist:
        raise Http404("No such key.") from None

"""The key page with the orders on the key: proxies' PoolKeyAdmin, re-registered here because the
reverse lookup (key -> orders) reads billing, which proxies may not import."""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from apps.billing.selectors import orders_for_delivery
from apps.proxies.admin.pool_keys import PoolKeyAdmin as ProxiesPoolKeyAdmin
from apps.proxies.fulfilment import PoolTraffic
from apps.proxies.models import PoolKey

KEY_ORDERS_SHOWN = 20

admin.site.unregister(PoolKey)


@admin.register(PoolKey)
class PoolKeyAdmin(ProxiesPoolKeyAdmin):
    change_form_template = "admin/console/poolkey_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        orders = orders_for_delivery(product_kind=PoolTraffic.kind, ref=str(unquote(object_id)))
        extra = {"key_orders": orders[:KEY_ORDERS_SHOWN], **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

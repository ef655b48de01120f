"""An event's JSON body, built when it is sent: the resource's state then, shaped by the API's own
serializers (a customer parses one shape whether it came from GET or from a webhook)."""

import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder

from apps.api.serializers.keys import KeySerializer
from apps.api.serializers.orders import OrderSerializer
from apps.api.serializers.ports import PortSerializer
from apps.api.views.keys import key_row
from apps.billing.models import Order
from apps.events.models import Event, ResourceType
from apps.ports.models import Port
from apps.proxies.models import PoolKey


def order_data(event: Event) -> dict:
    order = Order.objects.select_related("plan").get(pk=event.resource_id, customer_id=event.customer_id)
    return dict(OrderSerializer(order, context={"request": None}).data)


def key_data(event: Event) -> dict:
    key = PoolKey.objects.get(pk=event.resource_id, customer_id=event.customer_id)
    return dict(KeySerializer(key_row(key)).data)


def port_data(event: Event) -> dict:
    port = Port.objects.get(pk=event.resource_id, customer_id=event.customer_id)
    return dict(PortSerializer(port).data)


def endpoint_data(event: Event) -> dict:
    return {"id": int(event.resource_id)}


BUILDERS: dict[str, Callable[[Event], dict]] = {
    ResourceType.ORDER: order_data,
    ResourceType.KEY: key_data,
    ResourceType.PORT: port_data,
    ResourceType.WEBHOOK_ENDPOINT: endpoint_data,
}


def event_payload(event: Event) -> str:
    """{"id", "type", "timestamp", "data": {"object_type", "object", ...facts}}. A resource gone
    since (an account deleted) is sent as its id only."""
    try:
        obj = BUILDERS[event.resource_type](event)
    except (Order.DoesNotExist, PoolKey.DoesNotExist, Port.DoesNotExist, ValueError):
        obj = {"id": event.resource_id}
    data = {"object_type": event.resource_type, "object": obj, **event.extra}
    body = {"id": event.public_id, "type": event.type, "timestamp": event.created_at.isoformat(), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"))

from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The outbox: what happened to a customer's order, key or port, written in the same
    transaction as the change. Just above core, so every product app can record an event;
    apps.webhooks (above the API) delivers them."""

    name = "apps.events"
    label = "events"

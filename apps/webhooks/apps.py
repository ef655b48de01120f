from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed outgoing webhooks (Standard Webhooks) for customers: endpoints, one delivery per
    endpoint and event, attempts with backoff. Above the API: payloads use its serializers, and
    its endpoints are API views."""

    name = "apps.webhooks"
    label = "webhooks"

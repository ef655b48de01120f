from rest_framework import serializers

from apps.events.models import EventType

from .models import DeliveryStatus


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    url = serializers.URLField(read_only=True)
    description = serializers.CharField(read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), read_only=True, help_text="Empty: every event type."
    )
    enabled = serializers.BooleanField(read_only=True)
    disabled_reason = serializers.CharField(read_only=True, help_text="Why the shop disabled it (410, 3 days failing).")
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Until then deliveries are signed with the old secret too."
    )
    created_at = serializers.DateTimeField(read_only=True)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="whsec_…: shown once; verify signatures with it.")


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// (http only in a sandbox).")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        required=False,
        default=list,
        max_length=len(EventType.values),
        help_text="Empty or omitted: every event type.",
    )
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookEndpointUpdateSerializer(WebhookEndpointWriteSerializer):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), required=False, max_length=len(EventType.values)
    )
    enabled = serializers.BooleanField(required=False)


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new whsec_… secret; the old one keeps signing for 24 hours.")
    previous_secret_expires_at = serializers.DateTimeField()


class WebhookTestSerializer(serializers.Serializer):
    event_id = serializers.CharField(source="public_id", help_text="The webhook.test event's id (evt_…).")


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    endpoint_id = serializers.IntegerField(read_only=True)
    event_id = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.ChoiceField(source="event.type", choices=EventType.choices, read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.values, read_only=True)
    attempt_count = serializers.IntegerField(read_only=True)
    last_status_code = serializers.IntegerField(read_only=True, allow_null=True)
    last_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_attempt_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

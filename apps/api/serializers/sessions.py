from rest_framework import serializers


class SessionSerializer(serializers.Serializer):
    """A live session of one of your keys (read from the network's sessions feed)."""

    session_key = serializers.CharField(help_text="Pass it to DELETE /sessions/{session_key}.")
    session_id = serializers.CharField(source="sid", help_text="The sid as your proxy URL carried it.")
    key_id = serializers.IntegerField(
        allow_null=True, help_text="The key it belongs to (its session tag starts the sid)."
    )
    pool = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True)
    carrier = serializers.CharField(allow_null=True)
    ip = serializers.CharField(source="current_ip", allow_null=True)
    rotation = serializers.CharField(allow_null=True)
    ttl = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    request_count = serializers.IntegerField()
    bytes_in = serializers.IntegerField()
    bytes_out = serializers.IntegerField()


class SessionClosedSerializer(serializers.Serializer):
    session_key = serializers.CharField()
    closed = serializers.BooleanField()


class SessionsClosedSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Sessions that could not be closed now; retry.")

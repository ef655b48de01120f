"""Dedicated ports as the API shows them: the mirror (never the password, never the upstream's
rotation token), rotation settings within the contract's bounds, the rotation history."""

from rest_framework import serializers

from apps.ports.models import Port, PortStatus
from apps.ports.upstream.records import (
    AUTO_ROTATION_BOUNDS,
    OS_FINGERPRINT_VALUES,
    TRIGGER_TYPES,
)

CREDENTIAL_REGEX = r"^[A-Za-z0-9_.~-]{4,64}$"
LOWEST_INTERVAL = min(low for low, _high in AUTO_ROTATION_BOUNDS.values())
HIGHEST_INTERVAL = max(high for _low, high in AUTO_ROTATION_BOUNDS.values())


class PortSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    label = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PortStatus.values, read_only=True)
    sharing = serializers.ChoiceField(choices=["shared", "private"], read_only=True)
    country_code = serializers.CharField(read_only=True, help_text="ISO 3166-1 alpha-2, upper case.")
    country_name = serializers.CharField(read_only=True)
    carrier = serializers.CharField(read_only=True)
    region = serializers.CharField(read_only=True)
    host = serializers.CharField(source="server_ip", read_only=True)
    http_port = serializers.IntegerField(read_only=True)
    socks5_port = serializers.IntegerField(source="socks_port", read_only=True)
    login = serializers.CharField(read_only=True, help_text="The password is never listed: POST …/credentials.")
    os_fingerprint = serializers.CharField(read_only=True, help_text='"" is the default (none).')
    public_ip = serializers.CharField(source="last_ip", read_only=True, help_text="As last seen; may be stale.")
    public_ip_at = serializers.DateTimeField(source="last_ip_at", read_only=True, allow_null=True)
    health = serializers.CharField(read_only=True)
    rotation_count = serializers.IntegerField(read_only=True)
    last_rotated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cooldown_seconds = serializers.IntegerField(read_only=True, help_text="Seconds between two rotations.")
    cooldown_remaining = serializers.SerializerMethodField(help_text="Seconds until the next rotation (0: now).")
    auto_rotation = serializers.BooleanField(source="auto_rotation_enabled", read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_label(self, port: Port) -> str:
        return port.label or port.display_name

    def get_cooldown_remaining(self, port: Port) -> int:
        return port.cooldown_remaining()


class RotateResultSerializer(serializers.Serializer):
    old_ip = serializers.CharField(allow_null=True)
    new_ip = serializers.CharField(allow_null=True, help_text="null for a private port until its new IP arrives.")
    message = serializers.CharField()


class RotationSettingsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(source="auto_rotation_enabled")
    interval_seconds = serializers.IntegerField(source="auto_rotation_seconds", allow_null=True)
    match_carrier = serializers.BooleanField()
    match_city = serializers.BooleanField()
    min_interval_seconds = serializers.SerializerMethodField()
    max_interval_seconds = serializers.SerializerMethodField()

    def get_min_interval_seconds(self, port: Port) -> int:
        return AUTO_ROTATION_BOUNDS[port.sharing][0]

    def get_max_interval_seconds(self, port: Port) -> int:
        return AUTO_ROTATION_BOUNDS[port.sharing][1]


class RotationSettingsUpdateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    interval_seconds = serializers.IntegerField(
        required=False,
        min_value=LOWEST_INTERVAL,
        max_value=HIGHEST_INTERVAL,
        help_text="Shared ports: 300-86400; private ports: 60-86400.",
    )
    match_carrier = serializers.BooleanField(required=False)
    match_city = serializers.BooleanField(required=False)


class RotationSerializer(serializers.Serializer):
    id = serializers.CharField(source="upstream_id")
    trigger = serializers.ChoiceField(choices=list(TRIGGER_TYPES), help_text="api_token: through your rotation link.")
    success = serializers.BooleanField()
    from_ip = serializers.CharField()
    to_ip = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    rotated_at = serializers.DateTimeField()


class FingerprintUpdateSerializer(serializers.Serializer):
    os_fingerprint = serializers.ChoiceField(
        choices=list(OS_FINGERPRINT_VALUES),
        allow_blank=True,
        required=False,
        help_text='"" for none (the default). Omitted: nothing changes.',
    )


class CredentialsChangeSerializer(serializers.Serializer):
    login = serializers.RegexField(
        CREDENTIAL_REGEX,
        required=False,
        help_text="Omit to keep the login. 4-64 letters, digits, _ . ~ or -.",
    )
    password = serializers.RegexField(
        CREDENTIAL_REGEX,
        required=False,
        write_only=True,
        help_text="Omit to have one generated. 4-64 letters, digits, _ . ~ or -.",
    )


class NewCredentialsSerializer(serializers.Serializer):
    port = PortSerializer()
    password = serializers.CharField(help_text="Shown once; reveal it again on the dashboard.")

from dataclasses import dataclass
from datetime import date

from rest_framework import serializers

from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import PoolKeyUsage, pool_key_usage

from .common import gb_field

MAX_USAGE_DAYS = 366


@dataclass(frozen=True)
class KeyRow:
    key: PoolKey
    usage: PoolKeyUsage

    @property
    def session_prefix(self) -> str:
        return f"{self.key.session_tag}_"


def key_row(key: PoolKey) -> KeyRow:
    """Usage from the local mirror (the sync job keeps it fresh): no upstream call per request."""
    return KeyRow(key=key, usage=pool_key_usage(key=key))


class KeySerializer(serializers.Serializer):
    """A proxy key (`pak_…`): reads a KeyRow (the key and its usage from the local mirror)."""

    id = serializers.IntegerField(source="key.pk", read_only=True)
    label = serializers.CharField(source="key.label", read_only=True)
    status = serializers.ChoiceField(source="usage.status", choices=PoolKeyStatus.values, read_only=True)
    enabled = serializers.BooleanField(source="key.enabled", read_only=True)
    secret_hint = serializers.CharField(
        source="key.secret_hint",
        read_only=True,
        help_text="The masked secret; reveal it with POST …/reveal.",
    )
    session_prefix = serializers.CharField(
        read_only=True,
        help_text="Every session id built for this key starts with it (sessions are scoped by it).",
    )
    cap_gb = gb_field(source="usage.cap_gb", allow_null=True, help_text="null: unlimited.")
    used_gb = gb_field(source="usage.used_gb")
    remaining_gb = gb_field(source="usage.remaining_gb", allow_null=True)
    percent_used = serializers.DecimalField(
        source="usage.percent", max_digits=None, decimal_places=1, read_only=True, allow_null=True
    )
    unlimited = serializers.BooleanField(source="usage.unlimited", read_only=True)
    expires_at = serializers.DateTimeField(source="key.expires_at", read_only=True, allow_null=True)
    last_used_at = serializers.DateTimeField(source="key.last_used_at", read_only=True, allow_null=True)
    usage_as_of = serializers.DateTimeField(
        source="usage.as_of",
        read_only=True,
        allow_null=True,
        help_text="When the figures were read from the network.",
    )
    created_at = serializers.DateTimeField(source="key.created_at", read_only=True)


class KeyUpdateSerializer(serializers.Serializer):
    # Printable text with at least one visible character (no control characters).
    label = serializers.RegexField(
        r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        max_length=200,
        required=False,
        help_text="The key's name, shown on the dashboard. Omitted: nothing changes.",
    )


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The proxy password (`pak_…`). Keep it private.")


class RegeneratedSerializer(serializers.Serializer):
    key = KeySerializer()
    secret = serializers.CharField(help_text="The new secret; the old one stopped working.")


USAGE_FIRST_DAY, USAGE_LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


class UsageQuerySerializer(serializers.Serializer):
    # `from` is a Python keyword: the field is renamed in __init__.
    to = serializers.DateField(required=False, help_text="Last day (UTC), YYYY-MM-DD; default today.")
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.DateField(
            required=False, help_text="First day (UTC), YYYY-MM-DD; default 29 days before `to`."
        )

    def validate(self, attrs):
        for name in ("from", "to"):
            day = attrs.get(name)
            if day is not None and not USAGE_FIRST_DAY <= day <= USAGE_LAST_DAY:
                raise serializers.ValidationError({name: f"Use a day from {USAGE_FIRST_DAY} to {USAGE_LAST_DAY}."})
        return attrs


class UsageDaySerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    used_mb = serializers.DecimalField(max_digits=None, decimal_places=3)
    used_gb = serializers.DecimalField(max_digits=None, decimal_places=6)
    counter_mb = serializers.DecimalField(
        max_digits=None,
        decimal_places=3,
        allow_null=True,
        help_text="The key's counter at the day's last reading.",
    )


class UsageSerializer(serializers.Serializer):
    key_id = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    total_gb = serializers.DecimalField(max_digits=None, decimal_places=6)
    days = UsageDaySerializer(many=True)

from rest_framework import serializers

from apps.proxies.dashboard.bulk import BULK_MAX
from apps.proxies.dashboard.formats import FORMATS
from apps.proxies.urlgrammar import POOLS, PROTOCOLS, ROTATIONS, TTL_MAX, TTL_MIN

_WORD = r"^[A-Za-z0-9_]*$"


class ProxyUrlsBuildSerializer(serializers.Serializer):
    """The dashboard builder's options. The URL grammar validates the values it writes into the
    username; these fields check shape and range."""

    key_id = serializers.IntegerField(required=False, min_value=1, help_text="Default: your current key.")
    pool = serializers.ChoiceField(choices=POOLS, default="mbl")
    country = serializers.RegexField(
        r"^([A-Za-z]{2})?$",
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 3166-1 alpha-2, e.g. us.",
    )
    carrier = serializers.RegexField(_WORD, required=False, allow_blank=True, default="", max_length=32)
    city = serializers.RegexField(_WORD, required=False, allow_blank=True, default="", max_length=32)
    session = serializers.RegexField(
        _WORD,
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="Your session id (same id, same IP with sticky rotation); your key's prefix is added. "
        "With count > 1 it starts every id (a random one when empty), followed by 0001, 0002, …",
    )
    rotation = serializers.ChoiceField(choices=ROTATIONS, default="sticky")
    ttl = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=TTL_MIN, max_value=TTL_MAX)
    protocol = serializers.ChoiceField(choices=PROTOCOLS, default="http")
    count = serializers.IntegerField(default=1, min_value=1, max_value=BULK_MAX)
    format = serializers.ChoiceField(choices=[name for name, _label in FORMATS], default="url")
    include_secret = serializers.BooleanField(
        default=True,
        help_text="Put the real secret into the URLs (an audited reveal; needs the keys:write scope, "
        "else the URLs carry the masked hint).",
    )


class ProxyUrlSerializer(serializers.Serializer):
    url = serializers.CharField()
    session_id = serializers.CharField(allow_null=True)
    text = serializers.CharField(help_text="The URL in the requested format.")


class ProxyUrlsSerializer(serializers.Serializer):
    key_id = serializers.IntegerField()
    count = serializers.IntegerField()
    format = serializers.ChoiceField(choices=[name for name, _label in FORMATS])
    secret_included = serializers.BooleanField()
    data = ProxyUrlSerializer(many=True)

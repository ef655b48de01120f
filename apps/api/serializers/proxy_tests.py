from rest_framework import serializers

from apps.proxies.models import ProxyTestStatus


class ProxyTestRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="The proxy username to test, without the password (default: your plain username). "
        "A malformed one gives a failed test naming the bad token.",
    )
    protocol = serializers.ChoiceField(choices=["http", "socks5"], default="http")


class ProxyTestSerializer(serializers.Serializer):
    """One "test my proxy" run: a real request through the gateway with the key's own secret."""

    id = serializers.IntegerField(read_only=True)
    key_id = serializers.IntegerField(source="pool_key_id", read_only=True)
    status = serializers.ChoiceField(
        choices=ProxyTestStatus.values, read_only=True, help_text="pending until the worker has run it."
    )
    username = serializers.CharField(read_only=True)
    protocol = serializers.CharField(read_only=True)
    options = serializers.DictField(read_only=True, help_text="The options parsed from the username.")
    target_url = serializers.CharField(read_only=True, help_text="The IP-echo URL requested (PROXY_TEST_URL).")
    via = serializers.CharField(read_only=True, help_text="http, connect (HTTPS through the proxy) or socks5.")
    exit_ip = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    round_trip_ms = serializers.IntegerField(read_only=True, allow_null=True)
    http_status = serializers.IntegerField(read_only=True, allow_null=True)
    cause = serializers.CharField(
        read_only=True,
        help_text="Empty when it passed; else wrong_secret, regenerated, disabled, expired, over_cap, no_stock, "
        "timeout, dns, tls, malformed_username, gateway_unreachable, network, target_error, upstream_unavailable.",
    )
    message = serializers.CharField(read_only=True, help_text="What happened, in plain language.")
    fix = serializers.CharField(read_only=True, help_text="What to do about it.")
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)

from rest_framework import serializers

from apps.accounts.models import ApiKeyScope


class ApiKeyInfoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hint = serializers.CharField(help_text="The key, masked.")
    mode = serializers.ChoiceField(choices=["live", "test"])
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKeyScope.values))
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    created_at = serializers.DateTimeField()
    sandbox = serializers.BooleanField(help_text="The shop runs on its sandbox: nothing is real.")
    keys_count = serializers.IntegerField(help_text="Live proxy keys.")
    unlimited_keys = serializers.IntegerField(help_text="Keys without a traffic cap (not counted in gb_left).")
    gb_left = serializers.DecimalField(
        max_digits=None,
        decimal_places=3,
        help_text="Traffic left across your capped keys that have not expired.",
    )
    next_expiry = serializers.DateTimeField(allow_null=True, help_text="The earliest expiry still ahead.")
    api_key = ApiKeyInfoSerializer(help_text="The key this request was made with.")

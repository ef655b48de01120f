from rest_framework import serializers

from .common import money_field


class PlanSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True, help_text="Pass it to POST /orders.")
    name = serializers.CharField(read_only=True)
    tagline = serializers.CharField(read_only=True)
    product = serializers.CharField(
        source="product_kind", read_only=True, help_text="What the plan sells: pool_traffic or dedicated_port."
    )
    gb = serializers.DecimalField(
        max_digits=None, decimal_places=2, read_only=True, help_text="GB of traffic (pool_traffic plans)."
    )
    price = money_field()
    currency = serializers.CharField(read_only=True, help_text="ISO 4217, lower case.")
    price_per_gb = money_field()
    validity_days = serializers.IntegerField(read_only=True, allow_null=True, help_text="null: no expiry.")
    highlighted = serializers.BooleanField(read_only=True)


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2, lower case.")
    name = serializers.CharField()
    mbl = serializers.IntegerField(allow_null=True, help_text="Mobile exits online; null while stock is unknown.")
    peer = serializers.IntegerField(allow_null=True, help_text="Residential exits online; null while unknown.")


class StockTotalsSerializer(serializers.Serializer):
    mbl = serializers.IntegerField()
    peer = serializers.IntegerField()


class StockSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField(allow_null=True)
    fetched_at = serializers.DateTimeField(allow_null=True, help_text="null: stock could not be read yet.")
    stale = serializers.BooleanField(help_text="The latest read failed; the figures are from fetched_at.")
    totals = StockTotalsSerializer()
    countries = CountrySerializer(many=True)


class IncidentSerializer(serializers.Serializer):
    id = serializers.CharField()
    severity = serializers.ChoiceField(choices=["info", "minor", "major", "critical"])
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    affects = serializers.ListField(child=serializers.CharField(), help_text='e.g. "mbl:us", "peer", "de".')

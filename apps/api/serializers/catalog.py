from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.billing.quantity import product_unit, sold_by_the_gb

from .common import money_field


class PortPlanSerializer(serializers.Serializer):
    sharing = serializers.ChoiceField(choices=["shared", "private"])
    country = serializers.CharField(source="country_code", help_text='ISO alpha-2; "" for any country.')
    carrier = serializers.CharField(help_text='"" for any carrier.')
    period_days = serializers.IntegerField()
    traffic_gb = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)


class PlanSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True, help_text="Pass it to POST /orders.")
    name = serializers.CharField(read_only=True)
    tagline = serializers.CharField(read_only=True)
    product = serializers.CharField(
        source="product_kind",
        read_only=True,
        help_text="What the plan sells: pool_traffic or dedicated_port.",
    )
    quantity = serializers.DecimalField(
        source="gb",
        max_digits=None,
        decimal_places=2,
        read_only=True,
        help_text="How many units one purchase buys.",
    )
    unit = serializers.SerializerMethodField(help_text='What the quantity counts: "GB" or "port".')
    gb = serializers.SerializerMethodField(help_text="GB of traffic (pool_traffic plans); null for other products.")
    price = money_field()
    currency = serializers.CharField(read_only=True, help_text="ISO 4217, lower case.")
    price_per_unit = money_field(source="price_per_gb")
    price_per_gb = serializers.SerializerMethodField(help_text="null for products not sold by the GB.")
    validity_days = serializers.IntegerField(read_only=True, allow_null=True, help_text="null: no expiry.")
    highlighted = serializers.BooleanField(read_only=True)
    port = serializers.SerializerMethodField(help_text="dedicated_port plans: what the port is; null otherwise.")

    def get_unit(self, plan) -> str:
        return product_unit(plan.product_kind)

    @extend_schema_field(serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True))
    def get_gb(self, plan) -> str | None:
        return f"{plan.gb:.2f}" if sold_by_the_gb(plan.product_kind) else None

    @extend_schema_field(serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True))
    def get_price_per_gb(self, plan) -> str | None:
        return f"{plan.price_per_gb:.2f}" if sold_by_the_gb(plan.product_kind) else None

    @extend_schema_field(PortPlanSerializer(allow_null=True))
    def get_port(self, plan) -> dict | None:
        port_plan = self.context.get("port_plans", {}).get(plan.slug)
        return PortPlanSerializer(port_plan).data if port_plan is not None else None


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

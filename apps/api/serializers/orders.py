from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.billing.models import Order
from apps.billing.quantity import product_unit
from apps.billing.selectors import order_open_payment

from .common import money_field

POOL_TRAFFIC = "pool_traffic"


class OrderSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    reference = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Order.Status.values, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    plan = serializers.SlugField(source="plan.slug", read_only=True)
    plan_name = serializers.CharField(read_only=True)
    gb = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        read_only=True,
        help_text="The quantity (GB for pool traffic; see unit).",
    )
    unit = serializers.SerializerMethodField(help_text='What the quantity counts: "GB" or "port".')
    validity_days = serializers.IntegerField(read_only=True, allow_null=True)
    amount = money_field(source="price")
    amount_paid = serializers.SerializerMethodField(help_text="The money received for it; null until paid.")
    amount_refunded = money_field()
    currency = serializers.CharField(read_only=True)
    product = serializers.CharField(source="product_kind", read_only=True)
    target = serializers.CharField(
        source="target_ref",
        read_only=True,
        help_text='Where the order was asked to go: "" (the shop decides), "new", or a key\'s (or port\'s) id.',
    )
    key_id = serializers.SerializerMethodField(help_text="The pool key this order minted or topped up, once delivered.")
    checkout_url = serializers.SerializerMethodField(help_text="Open it in a browser to pay; null once paid.")
    created_at = serializers.DateTimeField(read_only=True)
    paid_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_unit(self, order: Order) -> str:
        return product_unit(order.product_kind)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_key_id(self, order: Order) -> int | None:
        # A pool-traffic delivery is the key's id; other products name their deliveries their own way.
        if order.product_kind != POOL_TRAFFIC or not order.fulfilment_ref.isdigit():
            return None
        return int(order.fulfilment_ref)

    @extend_schema_field(serializers.DecimalField(max_digits=13, decimal_places=2, allow_null=True))
    def get_amount_paid(self, order: Order) -> str | None:
        # The confirmed payment's amount (Order.amount_charged), kept under the API's name.
        return None if order.paid_at is None else f"{order.amount_charged:.2f}"

    def get_checkout_url(self, order: Order) -> str | None:
        if order.status != Order.Status.PENDING:
            return None
        payment = order_open_payment(order=order)
        if payment is None:
            return None
        request = self.context.get("request")
        url = payment.redirect_url
        return request.build_absolute_uri(url) if request is not None else url


class OrderCreateSerializer(serializers.Serializer):
    plan = serializers.SlugField(max_length=50, help_text="A plan's slug (GET /plans).")
    target = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text='Where the purchase goes: "" (or omitted) lets the shop decide (your latest key, or your first '
        'key is created), "new" creates a new key, a key\'s id (GET /keys) tops that key up; for a port plan, a '
        "port's id renews that port.",
    )
    key_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Older name for `target` with a key's id: the key to top up. Ignored when `target` is given.",
    )

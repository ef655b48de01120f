from decimal import Decimal

from apps.core.fulfilment import (
    Adjusted,
    Delivery,
    DeliveryView,
    FulfilmentRequest,
    GiveBack,
    TakeBack,
)

# What billing asked of the product, in order: (method, order reference, quantity).
CALLS: list[tuple[str, str, Decimal]] = []


class FakeSeats:
    kind = "fake_seats"
    label = "Seats"
    unit = "seats"
    min_quantity = Decimal("0")

    def prepare(self, request: FulfilmentRequest) -> None:
        CALLS.append(("prepare", request.order_ref, request.quantity))

    def fulfil(self, request: FulfilmentRequest) -> Delivery:
        CALLS.append(("fulfil", request.order_ref, request.quantity))
        return Delivery(ref=f"seats-{request.order_ref}", label=f"{request.quantity} seats")

    def take_back(self, request: TakeBack) -> Adjusted:
        CALLS.append(("take_back", request.order_ref, request.quantity))
        return Adjusted()

    def give_back(self, request: GiveBack) -> Adjusted:
        CALLS.append(("give_back", request.order_ref, request.quantity))
        return Adjusted()

    def describe(self, *, ref: str, order_ref: str = "") -> DeliveryView:
        return DeliveryView(label=ref, name="your seats", summary="are yours")

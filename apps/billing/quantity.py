"""What a plan or an order delivers, in words, by its product's unit: "25 GB" of pool traffic,
"1 port" for a dedicated port. Everywhere outside the pricing cards (receipts, orders lists,
e-mails, the admin, the API) goes through this, so a port is never called a gigabyte."""

from decimal import Decimal

from apps.billing.products import UnknownProduct, product_get

GB = "GB"


def product_unit(kind: str) -> str:
    """The product's unit ("GB", "port"); GB for a kind no longer sold (what older orders were)."""
    try:
        return product_get(kind).unit
    except UnknownProduct:
        return GB


def sold_by_the_gb(kind: str) -> bool:
    return product_unit(kind) == GB


def quantity_text(quantity, kind: str) -> str:
    """`quantity_text(Decimal("25"), "pool_traffic")` -> "25 GB"; (1, "dedicated_port") -> "1 port"."""
    amount = Decimal(quantity if quantity is not None else 0)
    number = f"{amount.normalize():f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
    unit = product_unit(kind)
    if unit == GB:
        return f"{number} {GB}"
    return f"{number} {unit}" if amount == 1 else f"{number} {unit}s"

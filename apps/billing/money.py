"""Money at the Stripe boundary. Inside the shop amounts are Decimals in major units; Stripe
speaks integer minor units, and a few currencies have no minor unit at all."""

from decimal import ROUND_HALF_UP, Decimal

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
CENT = Decimal("0.01")


def _exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    scaled = (amount * (10 ** _exponent(currency))).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(amount: int, currency: str) -> Decimal:
    return (Decimal(int(amount)) / (10 ** _exponent(currency))).quantize(CENT)


def proportional_gb(*, gb: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """The share of `gb` that `part` of `whole` pays for, to the hundredth of a GB, never above `gb`."""
    if whole <= 0 or part <= 0:
        return Decimal("0.00")
    share = (gb * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(share, gb)

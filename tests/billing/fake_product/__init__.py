"""A third product, for the registry test: seats, delivered and taken back in memory. Everything
it needs is here; it is sold once settings.BILLING_PRODUCTS names it (see test_registries.py)."""

from .product import CALLS, FakeSeats

__all__ = ["CALLS", "FakeSeats"]

"""Stripe Checkout (client.py: the one module that imports `stripe`)."""

from .provider import StripeProvider

__all__ = ["StripeProvider"]

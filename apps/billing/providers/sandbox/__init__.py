"""Sandbox payments: the Stripe provider over the payment simulator (no Stripe account needed)."""

from .provider import SandboxProvider

__all__ = ["SandboxProvider"]

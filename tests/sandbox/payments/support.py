"""Helpers for the payment simulator's tests (requests that run their after-commit work are
billing's: tests/billing/support.py)."""

from tests.billing.support import get, post

__all__ = ["checkout_url", "get", "post"]


def checkout_url(session) -> str:
    return f"/sandbox/checkout/{session.id}/"

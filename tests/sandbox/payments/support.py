"""Helpers for the payment simulator's tests."""

from django.test import TestCase


def get(client, url, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.get(url, **kwargs)


def post(client, url, data=None, **kwargs):
    """A POST whose after-commit work (provisioning, key adjustments) runs before it returns."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **kwargs)


def checkout_url(session) -> str:
    return f"/sandbox/checkout/{session.id}/"

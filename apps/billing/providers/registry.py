"""Where billing finds its payment providers: settings.BILLING_PAYMENT_PROVIDERS, a list of dotted
paths to PaymentProvider classes (loaded with import_string, so billing never imports a provider
statically). The first available one takes new checkouts; a provider answers events for the
payments it made. A new provider is a package under apps/billing/providers/ plus one line there."""

import functools

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from apps.core.errors import ApplicationError

from .base import PaymentProvider


class UnknownProvider(LookupError):
    """No registered provider of that name."""


class NoProviderAvailable(ApplicationError):
    pass


@functools.cache
def _load(paths: tuple[str, ...]) -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {}
    for path in paths:
        provider = import_string(path)()
        if not provider.name or provider.name in providers:
            raise ValueError(f"{path}: a payment provider needs a unique name (got {provider.name!r})")
        providers[provider.name] = provider
    return providers


def payment_providers() -> dict[str, PaymentProvider]:
    """Every registered provider by name, in settings order (cached per settings value, so a test's
    override_settings needs no cache clearing)."""
    return _load(tuple(settings.BILLING_PAYMENT_PROVIDERS))


def provider_get(name: str) -> PaymentProvider:
    try:
        return payment_providers()[name]
    except KeyError:
        raise UnknownProvider(f"no payment provider {name!r} is registered") from None


def provider_for_checkout() -> PaymentProvider:
    """The provider new checkouts go to: the first available one (Stripe with a secret key, the
    sandbox without one)."""
    for provider in payment_providers().values():
        if provider.takes_checkouts and provider.is_available():
            return provider
    raise NoProviderAvailable(gettext("No payment provider is configured. Nothing was charged."))


def provider_for_endpoint(endpoint: str) -> PaymentProvider | None:
    """The available provider answering /billing/webhooks/<endpoint>/ (Stripe's endpoint is
    answered by the sandbox while sandbox payments are on: it takes Stripe-shaped events)."""
    for provider in payment_providers().values():
        if provider.webhook_endpoint == endpoint and provider.is_available():
            return provider
    return None

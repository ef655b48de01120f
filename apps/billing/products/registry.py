"""The products billing sells, by kind: built once from settings.BILLING_PRODUCTS
(`{"pool_traffic": "apps.proxies.fulfilment.PoolTraffic"}`) with import_string, so billing has
no static import of a product's app. A new product is one entry here and a package of its own."""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from apps.core.errors import TerminalError
from apps.core.fulfilment import LimitedProduct, Product, TargetedProduct


class UnknownProduct(TerminalError):
    """No product of that kind is registered (a plan or order names a kind no longer sold)."""


@functools.cache
def _registry() -> dict[str, Product]:
    products: dict[str, Product] = {}
    for kind, path in settings.BILLING_PRODUCTS.items():
        target = import_string(path)
        product = target() if isinstance(target, type) else target
        if getattr(product, "kind", None) != kind:
            raise ImproperlyConfigured(f"BILLING_PRODUCTS[{kind!r}] is {path}, whose kind is not {kind!r}.")
        products[kind] = product
    return products


def product_get(kind: str) -> Product:
    try:
        return _registry()[kind]
    except KeyError:
        raise UnknownProduct(f"No product of kind {kind!r} is sold here.", extra={"kind": kind}) from None


def product_available(kind: str, *, plan_slug: str) -> tuple[bool, str]:
    """Whether a plan of this product can be sold now: (True, "") or (False, a message for the
    customer). Products without `available` (pool traffic) always can."""
    try:
        product = product_get(kind)
    except UnknownProduct:  # a plan whose product is no longer sold
        return False, "This plan cannot be bought at the moment."
    if isinstance(product, LimitedProduct):
        return product.available(plan_slug)
    return True, ""


def product_target_check(kind: str, *, customer_id: int, target_ref: str, plan_slug: str = "") -> None:
    """Raises the product's ApplicationError (a message for the customer) when it refuses the
    customer's choice of where a purchase of the plan `plan_slug` goes; products without
    `target_check` accept any."""
    product = product_get(kind)
    if isinstance(product, TargetedProduct):
        product.target_check(customer_id=customer_id, target_ref=target_ref, plan_slug=plan_slug)


def product_kinds() -> tuple[str, ...]:
    return tuple(_registry())


def product_choices() -> list[tuple[str, str]]:
    """(kind, label) for forms."""
    return [(kind, product.label) for kind, product in _registry().items()]


def product_registry_clear() -> None:
    _registry.cache_clear()


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    # override_settings(BILLING_PRODUCTS=...) in a test gets a registry built from it.
    if setting == "BILLING_PRODUCTS":
        product_registry_clear()


setting_changed.connect(_on_setting_changed, dispatch_uid="billing-product-registry-reset")

"""Products behind a registry: billing reaches each product kind's fulfilment only through
`product_get(kind)` (apps/core/fulfilment.py is the contract)."""

from .registry import (
    UnknownProduct,
    product_available,
    product_choices,
    product_get,
    product_kinds,
    product_registry_clear,
    product_target_check,
)

# The kind plans and orders had before there was a choice.
DEFAULT_PRODUCT_KIND = "pool_traffic"

__all__ = [
    "DEFAULT_PRODUCT_KIND",
    "UnknownProduct",
    "product_available",
    "product_choices",
    "product_get",
    "product_kinds",
    "product_registry_clear",
    "product_target_check",
]

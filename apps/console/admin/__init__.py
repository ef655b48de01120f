"""The console's cross-app admin: customers (with their keys, orders and audit entries, and
"view as customer") and the brand settings. Importing the modules registers them."""

from .brand import BrandSettingsAdmin
from .customers import UserAdmin

__all__ = ["BrandSettingsAdmin", "UserAdmin"]

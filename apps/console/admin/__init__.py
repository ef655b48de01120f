"""The console's cross-app admin: customers (with their keys, orders and audit entries, and
"view as customer") the brand settings and the API keys. Importing the modules registers them."""

from .api_keys import ApiKeyAdmin
from .brand import BrandSettingsAdmin
from .customers import UserAdmin

__all__ = ["ApiKeyAdmin", "BrandSettingsAdmin", "UserAdmin"]

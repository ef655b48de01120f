"""The console's cross-app admin: customers (with their keys, orders and audit entries, and
"view as customer"), the brand settings, the API keys, and the key page with its orders. Importing
the modules registers them."""

from .api_keys import ApiKeyAdmin
from .brand import BrandSettingsAdmin
from .customers import UserAdmin
from .pool_keys import PoolKeyAdmin

__all__ = ["ApiKeyAdmin", "BrandSettingsAdmin", "PoolKeyAdmin", "UserAdmin"]

"""The admin registers each simulator's pages from its own module."""

from .payments import admin as _payments_admin  # noqa: F401
from .ports import admin as _ports_admin  # noqa: F401
from .upstream import admin as _upstream_admin  # noqa: F401

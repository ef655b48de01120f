"""The admin registers each simulator's pages from its own module."""

from .upstream import admin as _upstream_admin  # noqa: F401

"""The MCP tools. Importing the modules registers them (tools.base.REGISTRY)."""

from . import catalog, keys, orders, ports, sessions
from .base import REGISTRY, ToolSpec

__all__ = ["REGISTRY", "ToolSpec", "catalog", "keys", "orders", "ports", "sessions"]

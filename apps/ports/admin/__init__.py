"""The ports part of the operator console: ports with their audited actions (ports.py) and the
port plans (plans.py)."""

from .plans import PortPlanAdmin
from .ports import PortAdmin

__all__ = ["PortAdmin", "PortPlanAdmin"]

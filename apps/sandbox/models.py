"""Django loads an app's models from here; they live with their simulator."""

from .payments.models import SandboxCharge, SandboxCheckoutSession, SandboxDispute  # noqa: F401
from .ports.models import (  # noqa: F401
    SandboxPort,
    SandboxPortAccount,
    SandboxPortCarrier,
    SandboxPortCountry,
    SandboxPortDevice,
    SandboxPortRotation,
)
from .upstream.models import (  # noqa: F401
    SandboxAuditEvent,
    SandboxFaultConfig,
    SandboxFaultRule,
    SandboxIdempotencyRecord,
    SandboxIncident,
    SandboxKey,
    SandboxSession,
)
from .x402.models import SandboxUsdcBalance, SandboxX402Fault, SandboxX402Settlement  # noqa: F401

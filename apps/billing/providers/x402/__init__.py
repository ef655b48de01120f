"""USDC over HTTP 402 (x402) as a payment provider. protocol.py speaks the protocol through the
official `x402` package (requirements, headers, the facilitator); provider.py is billing's side
(the settled payment as an event, confirmed by payment_confirm like any other)."""

from .provider import X402Provider

__all__ = ["X402Provider"]

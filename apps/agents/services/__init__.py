"""Agents' services: buying and topping up over x402, agent accounts and their tokens."""

from .accounts import agent_account_ensure, agent_management_token_issue
from .answers import Answer, order_view
from .purchase import PaidRequest, x402_request_handle

__all__ = [
    "Answer",
    "PaidRequest",
    "agent_account_ensure",
    "agent_management_token_issue",
    "order_view",
    "x402_request_handle",
]

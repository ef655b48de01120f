"""The x402 protocol, through the official `x402` package: payment requirements for an amount of
USDC, the payment header decoded, verify and settle at the facilitator. No encoding by hand.

The facilitator is reached with the package's sync HTTP client over an httpx client with explicit
timeouts; in the sandbox (settings.X402_SANDBOX) that client's transport is the in-project
facilitator named by settings.X402_SANDBOX_TRANSPORT (billing never imports apps.sandbox).
Protocol version 2 (the current one) is spoken; version 1 payloads are refused with a clear error.
"""

import binascii
import functools
import json
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from pydantic import ValidationError
from x402 import x402ResourceServerSync
from x402.http import FacilitatorConfig, HTTPFacilitatorClientSync
from x402.http.constants import PAYMENT_REQUIRED_HEADER, PAYMENT_RESPONSE_HEADER, PAYMENT_SIGNATURE_HEADER
from x402.http.utils import (
    decode_payment_signature_header,
    encode_payment_required_header,
    encode_payment_response_header,
)
from x402.mechanisms.evm.default_assets import DEFAULT_ASSETS
from x402.mechanisms.evm.exact import ExactEvmServerScheme
from x402.schemas import PaymentPayload, PaymentRequired, PaymentRequirements, ResourceConfig, ResourceInfo
from x402.schemas.responses import SettleResponse, VerifyResponse

from apps.billing.errors import PaymentProviderUnavailable

logger = logging.getLogger(__name__)

__all__ = [
    "PAYMENT_REQUIRED_HEADER",
    "PAYMENT_RESPONSE_HEADER",
    "PAYMENT_SIGNATURE_HEADER",
    "X_PAYMENT_HEADER",
    "Authorization",
    "PaymentHeaderInvalid",
    "encode_payment_required_header",
    "encode_payment_response_header",
]

X_PAYMENT_HEADER = "X-PAYMENT"  # protocol version 1's name for the payment header
SCHEME = "exact"
# settings.X402_NETWORK → the CAIP-2 network id the protocol names.
NETWORKS = {"base": "eip155:8453", "base-sepolia": "eip155:84532"}
USDC_DECIMALS = 6
CENT = Decimal("0.01")


class PaymentHeaderInvalid(ValueError):
    """The payment header is not a payment this shop can take (bad encoding, another version)."""


@dataclass(frozen=True)
class Authorization:
    """Who pays what to whom, as the EIP-3009 authorization in a payment payload says."""

    network: str
    payer: str  # lowercase 0x address
    pay_to: str
    value: int  # atomic USDC (6 decimals)
    nonce: str  # 0x + 64 hex, lowercase
    asset: str

    @property
    def reference(self) -> str:
        """The payment's reference at this provider: one authorization, one payment (unique)."""
        return f"{self.network}:{self.payer}:{self.nonce}"


def network() -> str:
    return NETWORKS[settings.X402_NETWORK]


def pay_to() -> str:
    return settings.X402_PAY_TO or (settings.X402_SANDBOX_PAY_TO if settings.X402_SANDBOX else "")


def usdc_asset(network_id: str | None = None) -> str:
    return DEFAULT_ASSETS[network_id or network()][0]["asset"]


def to_atomic(amount: Decimal) -> int:
    return int((amount * 10**USDC_DECIMALS).to_integral_value(rounding=ROUND_HALF_UP))


def from_atomic(value: int | str) -> Decimal:
    return (Decimal(int(value)) / 10**USDC_DECIMALS).quantize(CENT, rounding=ROUND_HALF_UP)


# The facilitator --------------------------------------------------------------------------------


def _http_client() -> httpx.Client:
    transport = import_string(settings.X402_SANDBOX_TRANSPORT)() if settings.X402_SANDBOX else None
    timeout = httpx.Timeout(settings.X402_FACILITATOR_TIMEOUT, connect=min(5.0, settings.X402_FACILITATOR_TIMEOUT))
    return httpx.Client(timeout=timeout, transport=transport, follow_redirects=False)


@functools.cache
def _server(url: str, network_id: str, sandbox: bool, timeout: float) -> x402ResourceServerSync:
    facilitator = HTTPFacilitatorClientSync(FacilitatorConfig(url=url, timeout=timeout, http_client=_http_client()))
    server = x402ResourceServerSync(facilitator)
    server.register(network_id, ExactEvmServerScheme())  # type: ignore[arg-type]  # the package's own stubs disagree
    server.initialize()  # asks the facilitator what it supports (not cached when it fails)
    return server


def resource_server() -> x402ResourceServerSync:
    """The package's resource server for the configured facilitator and network (one per process
    and settings; a facilitator that cannot be reached raises PaymentProviderUnavailable)."""
    try:
        return _server(
            settings.X402_FACILITATOR_URL, network(), settings.X402_SANDBOX, settings.X402_FACILITATOR_TIMEOUT
        )
    except (httpx.HTTPError, ValueError, RuntimeError) as exc:
        raise PaymentProviderUnavailable(
            gettext("the x402 facilitator could not be reached: %(short)s") % {"short": _short(exc)}
        ) from exc


def _short(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:200]


# Requirements -----------------------------------------------------------------------------------


def requirements_for(*, amount: Decimal) -> list[PaymentRequirements]:
    """What an agent must pay for `amount` USD: USDC on the configured network to the shop's
    wallet, scheme exact (the package converts the price into the asset's atomic units)."""
    config = ResourceConfig(
        scheme=SCHEME,
        pay_to=pay_to(),
        price=f"${amount.quantize(CENT)}",
        network=network(),
        max_timeout_seconds=settings.X402_MAX_TIMEOUT_SECONDS,
    )
    return resource_server().build_payment_requirements(config)


def payment_required(
    *, requirements: list[PaymentRequirements], url: str, description: str, error: str | None = None
) -> PaymentRequired:
    return resource_server().create_payment_required_response(
        requirements,
        resource=ResourceInfo(url=url, description=description, mime_type="application/json"),
        error=error,
    )


def payment_required_body(required: PaymentRequired) -> dict[str, Any]:
    return json.loads(required.model_dump_json(by_alias=True, exclude_none=True))


# The payment ------------------------------------------------------------------------------------


def payment_decode(header: str) -> PaymentPayload:
    """The payment payload in a PAYMENT-SIGNATURE (or X-PAYMENT) header. Raises PaymentHeaderInvalid."""
    try:
        payload = decode_payment_signature_header(header.strip())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValidationError, ValueError, AttributeError):
        raise PaymentHeaderInvalid("the payment header is not base64 JSON of an x402 payment payload") from None
    if not isinstance(payload, PaymentPayload) or payload.x402_version != 2:
        raise PaymentHeaderInvalid("this shop speaks x402 version 2: pay with the PAYMENT-SIGNATURE header")
    return payload


def authorization_of(payload: PaymentPayload) -> Authorization:
    """The EIP-3009 authorization inside an exact-scheme payload. Raises PaymentHeaderInvalid."""
    auth = payload.payload.get("authorization") if isinstance(payload.payload, dict) else None
    if payload.accepted.scheme != SCHEME or not isinstance(auth, dict):
        raise PaymentHeaderInvalid("expected an exact-scheme payment with an EIP-3009 authorization")
    try:
        payer, to, nonce = (str(auth[k]).lower() for k in ("from", "to", "nonce"))
        value = int(str(auth["value"]))
    except (KeyError, ValueError, TypeError):
        raise PaymentHeaderInvalid("the authorization lacks from, to, value or nonce") from None
    if not (_hex(payer, 40) and _hex(to, 40) and _hex(nonce, 64)) or value <= 0:
        raise PaymentHeaderInvalid("the authorization's addresses, value or nonce are malformed")
    return Authorization(
        network=str(payload.accepted.network),
        payer=payer,
        pay_to=to,
        value=value,
        nonce=nonce,
        asset=payload.accepted.asset.lower(),
    )


def _hex(value: str, digits: int) -> bool:
    return len(value) == digits + 2 and value.startswith("0x") and all(c in "0123456789abcdef" for c in value[2:])


def requirements_matching(
    requirements: list[PaymentRequirements], payload: PaymentPayload
) -> PaymentRequirements | None:
    """The advertised requirement the payload says it fulfils, or None (another amount, payee...)."""
    return resource_server().find_matching_requirements(requirements, payload)


def verify(payload: PaymentPayload, requirements: PaymentRequirements) -> VerifyResponse:
    """The facilitator's verdict. Raises PaymentProviderUnavailable when it cannot be had."""
    try:
        return resource_server().verify_payment(payload, requirements).verify
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("x402 verify failed: %s", _short(exc))
        raise PaymentProviderUnavailable(
            gettext("the facilitator did not verify the payment: %(short)s") % {"short": _short(exc)}
        ) from exc


def settle(payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse:
    """The facilitator's settlement. Raises PaymentProviderUnavailable when no answer came back:
    then nobody here knows whether the money moved."""
    try:
        return resource_server().settle_payment(payload, requirements)
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("x402 settle failed: %s", _short(exc))
        raise PaymentProviderUnavailable(
            gettext("the facilitator did not answer the settlement: %(short)s") % {"short": _short(exc)}
        ) from exc


def settlement_header(settlement: SettleResponse) -> str:
    return encode_payment_response_header(settlement)


def settlement_dict(settlement: SettleResponse) -> dict[str, Any]:
    return json.loads(settlement.model_dump_json(by_alias=True, exclude_none=True))


def settlement_from_dict(data: dict[str, Any]) -> SettleResponse:
    return SettleResponse.model_validate(data)

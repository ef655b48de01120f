"""The sandbox x402 facilitator: verify and settle for the `exact` scheme on Base and Base
Sepolia with simulated USDC. Signatures are checked for real: the EIP-712 TransferWithAuthorization
(EIP-3009) is recovered with eth-account and must name the payer. Every new address holds 1,000
test USDC; a settled nonce cannot be used again; the transfer gets a fake transaction hash.

Answers are the x402 package's VerifyResponse / SettleResponse, as JSON dicts."""

import secrets
import time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_keys.exceptions import ValidationError as KeyValidationError
from x402.mechanisms.evm import constants as evm
from x402.mechanisms.evm.default_assets import DEFAULT_ASSETS
from x402.mechanisms.evm.types import AUTHORIZATION_TYPES
from x402.mechanisms.evm.utils import get_evm_chain_id
from x402.schemas.responses import SettleResponse, VerifyResponse

from .models import START_BALANCE, SandboxUsdcBalance, SandboxX402Settlement

NETWORKS = ("eip155:8453", "eip155:84532")
# The address the sandbox "submits" transfers from (reported by /supported).
SIGNER = "0x000000000000000000000000000000000000fAc1"


class Refused(Exception):
    def __init__(self, reason: str, message: str, payer: str = "") -> None:
        super().__init__(message)
        self.reason, self.message, self.payer = reason, message, payer


def supported() -> dict[str, Any]:
    return {
        "kinds": [{"x402Version": 2, "scheme": "exact", "network": network} for network in NETWORKS],
        "extensions": [],
        "signers": {"eip155:*": [SIGNER]},
    }


def _dump(model) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_none=True, mode="json")


def balance_of(network: str, address: str) -> int:
    row = SandboxUsdcBalance.objects.filter(network=network, address=address.lower()).first()
    return int(row.balance) if row is not None else START_BALANCE


def _ensure_account(network: str, address: str) -> None:
    SandboxUsdcBalance.objects.get_or_create(
        network=network, address=address.lower(), defaults={"balance": Decimal(START_BALANCE)}
    )


def _signer_of(auth: dict[str, Any], *, network: str, asset: str) -> str:
    token = next((a for a in DEFAULT_ASSETS[network] if a["asset"].lower() == asset.lower()), None)
    if token is None:
        raise Refused(evm.ERR_FAILED_TO_GET_ASSET_INFO, f"{asset} is not USDC on {network}")
    message = {
        "from": auth["from"],
        "to": auth["to"],
        "value": int(auth["value"]),
        "validAfter": int(auth["validAfter"]),
        "validBefore": int(auth["validBefore"]),
        "nonce": bytes.fromhex(str(auth["nonce"]).removeprefix("0x")),
    }
    domain = {
        "name": token["name"],
        "version": token["version"],
        "chainId": get_evm_chain_id(network),
        "verifyingContract": token["asset"],
    }
    signable = encode_typed_data(domain_data=domain, message_types=AUTHORIZATION_TYPES, message_data=message)
    return Account.recover_message(signable, signature=str(auth["signature"]))


def _check(payload: dict[str, Any], requirements: dict[str, Any], *, now: int) -> dict[str, Any]:
    """The authorization, if it pays `requirements` exactly; raises Refused with the reason."""
    accepted = payload.get("accepted") or {}
    inner = payload.get("payload") or {}
    auth = dict(inner.get("authorization") or {})
    payer = str(auth.get("from", "")).lower()
    network = str(requirements.get("network", ""))
    if payload.get("x402Version") != 2 or requirements.get("scheme") != "exact" or accepted.get("scheme") != "exact":
        raise Refused(evm.ERR_UNSUPPORTED_SCHEME, "only the exact scheme of x402 version 2", payer)
    if network not in NETWORKS or accepted.get("network") != network:
        raise Refused(evm.ERR_NETWORK_MISMATCH, f"the payment is for {accepted.get('network')}, not {network}", payer)
    if str(accepted.get("asset", "")).lower() != str(requirements.get("asset", "")).lower():
        raise Refused(evm.ERR_FAILED_TO_GET_ASSET_INFO, "the payment is in another asset", payer)
    try:
        value, valid_after, valid_before = (int(auth[k]) for k in ("value", "validAfter", "validBefore"))
        auth["signature"] = inner["signature"]
        signer = _signer_of(auth, network=network, asset=str(requirements["asset"]))
    except Refused:
        raise
    except (KeyError, TypeError, ValueError, BadSignature, KeyValidationError) as exc:
        raise Refused(
            evm.ERR_INVALID_SIGNATURE, f"the authorization cannot be checked: {exc.__class__.__name__}", payer
        ) from None
    if signer.lower() != payer:
        raise Refused(evm.ERR_INVALID_SIGNATURE, "the signature is not the payer's", payer)
    if str(auth.get("to", "")).lower() != str(requirements.get("payTo", "")).lower():
        raise Refused(evm.ERR_RECIPIENT_MISMATCH, "the authorization pays another address", payer)
    if value != int(requirements.get("amount", -1)):
        raise Refused(evm.ERR_AUTHORIZATION_VALUE_MISMATCH, "the authorized value is not the required amount", payer)
    if valid_before <= now:
        raise Refused(evm.ERR_VALID_BEFORE_EXPIRED, "the authorization has expired", payer)
    if valid_after > now:
        raise Refused(evm.ERR_VALID_AFTER_FUTURE, "the authorization is not valid yet", payer)
    nonce = str(auth.get("nonce", "")).lower()
    if SandboxX402Settlement.objects.filter(network=network, payer=payer, nonce=nonce).exists():
        raise Refused(evm.ERR_NONCE_ALREADY_USED, "this authorization's nonce was already used", payer)
    if balance_of(network, payer) < value:
        raise Refused(evm.ERR_INSUFFICIENT_BALANCE, "not enough test USDC", payer)
    return auth


def verify(payload: dict[str, Any], requirements: dict[str, Any], *, now: int | None = None) -> dict[str, Any]:
    try:
        auth = _check(payload, requirements, now=int(time.time()) if now is None else now)
    except Refused as refused:
        answer = VerifyResponse(
            is_valid=False, invalid_reason=refused.reason, invalid_message=refused.message, payer=refused.payer or None
        )
        return _dump(answer)
    return _dump(VerifyResponse(is_valid=True, payer=str(auth["from"]).lower()))


def settle(payload: dict[str, Any], requirements: dict[str, Any], *, now: int | None = None) -> dict[str, Any]:
    """Checks again, then moves the test USDC and spends the nonce in one transaction (the unique
    nonce and a conditional debit decide under concurrency, not the check above)."""
    network = str(requirements.get("network", ""))
    try:
        auth = _check(payload, requirements, now=int(time.time()) if now is None else now)
        payer, pay_to, value = str(auth["from"]).lower(), str(auth["to"]).lower(), int(auth["value"])
        tx_hash = "0x" + secrets.token_hex(32)
        with transaction.atomic():
            SandboxX402Settlement.objects.create(
                network=network,
                asset=str(requirements["asset"]).lower(),
                payer=payer,
                pay_to=pay_to,
                nonce=str(auth["nonce"]).lower(),
                value=Decimal(value),
                transaction=tx_hash,
            )
            _ensure_account(network, payer)
            _ensure_account(network, pay_to)
            debited = SandboxUsdcBalance.objects.filter(network=network, address=payer, balance__gte=value).update(
                balance=F("balance") - value
            )
            if not debited:
                raise Refused(evm.ERR_INSUFFICIENT_BALANCE, "not enough test USDC", payer)
            SandboxUsdcBalance.objects.filter(network=network, address=pay_to).update(balance=F("balance") + value)
    except IntegrityError:
        payer = str((payload.get("payload") or {}).get("authorization", {}).get("from", "")).lower()
        refused = Refused(evm.ERR_NONCE_ALREADY_USED, "this authorization's nonce was already used", payer)
        return _failed(refused, network)
    except Refused as refused:
        return _failed(refused, network)
    return _dump(SettleResponse(success=True, payer=payer, transaction=tx_hash, network=network, amount=str(value)))


def _failed(refused: Refused, network: str) -> dict[str, Any]:
    answer = SettleResponse(
        success=False,
        error_reason=refused.reason,
        error_message=refused.message,
        payer=refused.payer or None,
        transaction="",
        network=network or "eip155:84532",
    )
    return _dump(answer)

"""x402 tests: the shop's x402 endpoints with the sandbox facilitator in-process, paid by the x402
package's own client with throwaway eth-account wallets."""

import time

import httpx
import pytest
from eth_account import Account
from x402 import x402ClientSync
from x402.http import x402HTTPClientSync
from x402.http.utils import decode_payment_signature_header, encode_payment_signature_header
from x402.mechanisms.evm.exact import register_exact_evm_client

from apps.billing.providers.x402 import protocol


@pytest.fixture(autouse=True)
def _x402_settings(settings):
    settings.X402_ENABLED = True
    settings.X402_SANDBOX = True
    settings.X402_NETWORK = "base-sepolia"
    settings.X402_PAY_TO = "0x1111111111111111111111111111111111111111"
    settings.PROXIES_SX_MAX_ATTEMPTS = 1
    protocol._server.cache_clear()
    yield
    protocol._server.cache_clear()


class Agent:
    """An agent with a fresh test wallet, paying with the x402 package's client."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.wallet = Account.create()
        self.http = httpx.Client(base_url=base_url, timeout=30)
        client = register_exact_evm_client(x402ClientSync(), self.wallet)
        client.set_spend_controls({"max_amount_per_payment": "$100"})  # the package caps at $1 by default
        self.x402 = x402HTTPClientSync(client)

    @property
    def address(self) -> str:
        return self.wallet.address.lower()

    def requirements(self, path: str, **kwargs) -> httpx.Response:
        return self.http.request(kwargs.pop("method", "GET"), path, **kwargs)

    def sign(self, path: str, *, method: str = "GET", tamper=None, **kwargs) -> dict[str, str]:
        """The payment header for what the shop asks at `path` (tamper(payload) may change it)."""
        first = self.http.request(method, path, **kwargs)
        assert first.status_code == 402, first.text
        headers, payload = self.x402.handle_402_response(dict(first.headers), first.content, str(first.url))
        if tamper is not None:
            (name,) = headers
            payload = decode_payment_signature_header(headers[name])
            tamper(payload, self.wallet)
            headers = {name: encode_payment_signature_header(payload)}
        return headers

    def pay(self, path: str, *, method: str = "GET", headers=None, **kwargs) -> tuple[httpx.Response, dict]:
        payment = headers or self.sign(path, method=method, **kwargs)
        extra = kwargs.pop("extra_headers", {})
        response = self.http.request(method, path, headers={**payment, **extra}, **kwargs)
        return response, payment


@pytest.fixture
def agent(live_server):
    return Agent(live_server.url)


@pytest.fixture
def other_agent(live_server):
    return Agent(live_server.url)


def resign(payload, wallet, **changes) -> None:
    """Changes the authorization and signs it again with the agent's own key (a valid signature
    over other terms)."""
    from x402.mechanisms.evm.eip712 import build_typed_data_for_signing
    from x402.mechanisms.evm.signers import EthAccountSigner
    from x402.mechanisms.evm.types import ExactEIP3009Authorization
    from x402.mechanisms.evm.utils import get_evm_chain_id

    auth = dict(payload.payload["authorization"], **changes)
    authorization = ExactEIP3009Authorization(
        from_address=auth["from"],
        to=auth["to"],
        value=str(auth["value"]),
        valid_after=str(auth["validAfter"]),
        valid_before=str(auth["validBefore"]),
        nonce=auth["nonce"],
    )
    req = payload.accepted
    domain, types, primary, message = build_typed_data_for_signing(
        authorization, get_evm_chain_id(str(req.network)), req.asset, req.extra["name"], req.extra["version"]
    )
    signature = EthAccountSigner(wallet).sign_typed_data(domain, types, primary, message)
    payload.payload["authorization"] = {
        **auth,
        "value": str(auth["value"]),
        "validAfter": str(auth["validAfter"]),
        "validBefore": str(auth["validBefore"]),
    }
    payload.payload["signature"] = signature if isinstance(signature, str) else "0x" + signature.hex()


def expired(payload, wallet) -> None:
    resign(payload, wallet, validAfter="0", validBefore=str(int(time.time()) - 60))

"""Buying a pool key over x402 end to end: the x402 package's client and a fresh eth-account wallet
against the running shop and the sandbox facilitator."""

from decimal import Decimal

import pytest
from x402.http.utils import decode_payment_required_header, decode_payment_response_header

from apps.agents.models import AgentAccount, X402Purchase
from apps.billing.models import Order, ProviderEvent
from apps.proxies.models import PoolKey
from apps.sandbox.x402.facilitator import balance_of
from apps.sandbox.x402.models import START_BALANCE, SandboxX402Settlement
from tests.billing.support import upstream_mints

from .conftest import expired, resign

pytestmark = pytest.mark.django_db(transaction=True)

BUY = "/x402/v1/pool-keys?gb=2&days=30"
BASE_SEPOLIA = "eip155:84532"
USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
PRICE_ATOMIC = 8_000_000  # 2 GB at the default 4.00 USDC per GB


def test_without_payment_the_shop_answers_402_with_the_requirements(agent):
    response = agent.requirements(BUY)

    assert response.status_code == 402
    required = decode_payment_required_header(response.headers["PAYMENT-REQUIRED"])
    (accept,) = required.accepts
    assert required.x402_version == 2
    assert (accept.scheme, accept.network, accept.asset) == ("exact", BASE_SEPOLIA, USDC)
    assert accept.pay_to == "0x1111111111111111111111111111111111111111"
    assert accept.amount == str(PRICE_ATOMIC)
    assert required.resource.url.endswith(BUY)
    assert required.resource.description == "2 GB of proxy traffic, valid 30 days"
    assert response.json()["accepts"][0]["amount"] == str(PRICE_ATOMIC)


def test_post_with_a_json_body_asks_the_same(agent):
    response = agent.requirements("/x402/v1/pool-keys", method="POST", json={"gb": 2, "days": 30})

    assert response.status_code == 402
    assert response.json()["accepts"][0]["amount"] == str(PRICE_ATOMIC)


def test_bad_quantities_are_refused_clearly(agent):
    assert agent.requirements("/x402/v1/pool-keys?gb=lots").status_code == 400
    assert agent.requirements("/x402/v1/pool-keys?gb=2&days=0").json()["error"] == "invalid_request"
    assert agent.requirements("/x402/v1/pool-keys").status_code == 400


def test_an_agent_buys_a_key_with_usdc(agent):
    response, _payment = agent.pay(BUY)

    assert response.status_code == 200, response.text
    body = response.json()
    key = PoolKey.objects.get()
    assert body["key"]["id"] == key.pk
    assert body["key"]["secret"].startswith("pak_")
    assert body["key"]["cap_gb"] == "2"
    assert body["key"]["expires_at"]
    assert body["key"]["gateway_host"]
    assert body["key"]["proxy_urls"]["http"].startswith("http://")
    assert body["management_token"].startswith("sfk_test_")
    assert body["order"]["status"] == "provisioned"
    settlement = decode_payment_response_header(response.headers["PAYMENT-RESPONSE"])
    assert settlement.success and settlement.transaction.startswith("0x")
    assert body["order"]["payment"]["transaction"] == settlement.transaction
    # The agent's account: its wallet, no password, no deliverable email.
    account = AgentAccount.objects.get()
    assert account.wallet == agent.address
    assert not account.user.has_usable_password()
    assert account.user.email.endswith(".invalid")
    assert key.customer == account.user
    assert account.management_key.scopes == ["read"]
    # The money moved once, through billing's payment seam.
    order = Order.objects.get()
    assert order.payments.get().provider == "x402"
    assert order.amount_charged == Decimal("8.00")
    assert ProviderEvent.objects.filter(provider="x402", order=order).count() == 1
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE - PRICE_ATOMIC


def test_the_management_token_reads_the_api(agent):
    response, _ = agent.pay(BUY)
    token = response.json()["management_token"]

    keys = agent.http.get("/api/v1/keys", headers={"Authorization": f"Bearer {token}"})

    assert keys.status_code == 200
    assert [k["id"] for k in keys.json()["data"]] == [response.json()["key"]["id"]]


def test_the_same_payment_again_returns_the_first_answer_and_moves_no_money(agent):
    first, payment = agent.pay(BUY)

    again, _ = agent.pay(BUY, headers=payment)

    assert again.status_code == 200
    assert again.json()["order"]["id"] == first.json()["order"]["id"]
    assert again.json()["key"]["id"] == first.json()["key"]["id"]
    assert again.headers["PAYMENT-RESPONSE"] == first.headers["PAYMENT-RESPONSE"]
    assert Order.objects.count() == X402Purchase.objects.count() == 1
    assert SandboxX402Settlement.objects.count() == 1
    assert upstream_mints() == 1
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE - PRICE_ATOMIC


def test_a_reused_nonce_is_refused_and_mints_nothing(agent):
    first, payment = agent.pay(BUY)
    nonce = X402Purchase.objects.get().nonce

    headers = agent.sign("/x402/v1/pool-keys?gb=3", tamper=lambda p, w: resign(p, w, nonce=nonce))
    again, _ = agent.pay("/x402/v1/pool-keys?gb=3", headers=headers)

    assert again.status_code == 409
    assert again.json()["error"] == "nonce_already_used"
    assert Order.objects.count() == 1 and upstream_mints() == 1


def test_a_nonce_spent_elsewhere_is_refused_by_the_facilitator(agent):
    def spent(payload, wallet):
        auth = payload.payload["authorization"]
        SandboxX402Settlement.objects.create(
            network=BASE_SEPOLIA,
            asset=USDC.lower(),
            payer=agent.address,
            pay_to=auth["to"].lower(),
            nonce=auth["nonce"].lower(),
            value=1,
            transaction="0x" + "ab" * 32,
        )

    response, _ = agent.pay(BUY, headers=agent.sign(BUY, tamper=spent))

    assert response.status_code == 402
    assert response.json()["error"] == "invalid_exact_evm_nonce_already_used"
    assert Order.objects.get().status == "failed"
    assert upstream_mints() == 0 and not PoolKey.objects.exists()


def test_a_wrong_amount_is_refused_and_mints_nothing(agent):
    headers = agent.sign(BUY, tamper=lambda p, w: resign(p, w, value=str(PRICE_ATOMIC - 1)))

    response, _ = agent.pay(BUY, headers=headers)

    assert response.status_code == 402
    assert response.json()["error"] == "invalid_exact_evm_payload_authorization_value_mismatch"
    assert response.json()["status"] == "refused"
    assert Order.objects.get().status == "failed"
    assert upstream_mints() == 0
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE


def test_a_payment_for_other_requirements_opens_no_order(agent):
    def cheaper(payload, wallet):
        payload.accepted.amount = "1000"
        resign(payload, wallet, value="1000")

    response, _ = agent.pay(BUY, headers=agent.sign(BUY, tamper=cheaper))

    assert response.status_code == 402
    assert response.json()["error"] == "the payment does not match the requirements"
    assert not Order.objects.exists()


def test_an_expired_authorization_is_refused_and_mints_nothing(agent):
    response, _ = agent.pay(BUY, headers=agent.sign(BUY, tamper=expired))

    assert response.status_code == 402
    assert response.json()["error"] == "invalid_exact_evm_payload_authorization_valid_before"
    assert upstream_mints() == 0
    assert balance_of(BASE_SEPOLIA, agent.address) == START_BALANCE


def test_the_refusal_is_the_answer_to_the_same_payment_again(agent):
    headers = agent.sign(BUY, tamper=expired)
    first, _ = agent.pay(BUY, headers=headers)

    again, _ = agent.pay(BUY, headers=headers)

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert Order.objects.count() == 1


def test_the_order_can_be_polled(agent):
    response, _ = agent.pay(BUY)
    order_id = response.json()["order"]["id"]

    polled = agent.http.get(f"/x402/v1/orders/{order_id}")

    assert polled.status_code == 200
    assert polled.json()["order"]["status"] == "provisioned"
    assert "secret" not in polled.text
    assert agent.http.get("/x402/v1/orders/not-an-id").status_code == 404


def test_x402_off_answers_404(agent, settings):
    settings.X402_ENABLED = False

    assert agent.requirements(BUY).status_code == 404

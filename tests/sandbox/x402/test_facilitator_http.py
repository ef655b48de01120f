"""The sandbox facilitator over HTTP: what another process (or shop) pointed at it sees."""

import json

import pytest

from apps.sandbox.x402.faults import inject

pytestmark = pytest.mark.django_db

URL = "/sandbox/x402/facilitator"


def test_it_says_what_it_supports(client):
    response = client.get(f"{URL}/supported")

    assert response.status_code == 200
    kinds = {(k["scheme"], k["network"]) for k in response.json()["kinds"]}
    assert kinds == {("exact", "eip155:8453"), ("exact", "eip155:84532")}


def test_a_payment_without_a_valid_signature_is_not_valid(client):
    body = {
        "x402Version": 2,
        "paymentPayload": {
            "x402Version": 2,
            "accepted": {
                "scheme": "exact",
                "network": "eip155:84532",
                "asset": "0x036cbd53842c5426634e7929541ec2318f3dcf7e",
            },
            "payload": {
                "signature": "0x" + "00" * 65,
                "authorization": {
                    "from": "0x" + "11" * 20,
                    "to": "0x" + "22" * 20,
                    "value": "1",
                    "validAfter": "0",
                    "validBefore": "9999999999",
                    "nonce": "0x" + "33" * 32,
                },
            },
        },
        "paymentRequirements": {
            "scheme": "exact",
            "network": "eip155:84532",
            "amount": "1",
            "asset": "0x036cbd53842c5426634e7929541ec2318f3dcf7e",
            "payTo": "0x" + "22" * 20,
        },
    }

    response = client.post(f"{URL}/verify", data=json.dumps(body), content_type="application/json")

    assert response.status_code == 200
    assert response.json()["isValid"] is False
    assert response.json()["invalidReason"] == "invalid_exact_evm_payload_signature"


def test_injected_faults_answer_over_http_too(client):
    inject("settle", status=503)

    assert client.post(f"{URL}/settle", data="{}", content_type="application/json").status_code == 503
    assert client.post(f"{URL}/settle", data="{}", content_type="application/json").status_code == 400
    assert client.get(f"{URL}/nothing").status_code == 404

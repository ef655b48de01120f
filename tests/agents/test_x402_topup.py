"""Topping up a key over x402, proved by the management token."""

import pytest

from apps.agents.models import X402Purchase
from apps.proxies.models import PoolKey
from tests.billing.support import upstream_mints

pytestmark = pytest.mark.django_db(transaction=True)

BUY = "/x402/v1/pool-keys?gb=2&days=30"


def _bought(agent):
    response, _ = agent.pay(BUY)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_agent_tops_up_its_key(agent):
    bought = _bought(agent)
    path = f"/x402/v1/pool-keys/{bought['key']['id']}/topup?gb=3"
    auth = {"Authorization": f"Bearer {bought['management_token']}"}

    response, _ = agent.pay(
        path, method="POST", headers=agent.sign(path, method="POST", headers=auth), extra_headers=auth
    )

    assert response.status_code == 200, response.text
    assert response.json()["key"]["id"] == bought["key"]["id"]
    assert response.json()["key"]["cap_gb"] == "5"
    assert "management_token" not in response.json()
    assert PoolKey.objects.get().cap_gb == 5
    assert upstream_mints() == 1
    assert X402Purchase.objects.filter(kind="top_up", state="settled").count() == 1


def test_a_top_up_needs_the_management_token(agent):
    bought = _bought(agent)

    response = agent.http.post(f"/x402/v1/pool-keys/{bought['key']['id']}/topup?gb=3")

    assert response.status_code == 401


def test_a_top_up_of_someone_elses_key_is_not_found(agent, other_agent):
    bought = _bought(agent)
    other = _bought(other_agent)

    response = agent.http.post(
        f"/x402/v1/pool-keys/{other['key']['id']}/topup?gb=3",
        headers={"Authorization": f"Bearer {bought['management_token']}"},
    )

    assert response.status_code == 404

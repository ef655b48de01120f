"""What the agent is answered: the delivered key (its secret read once more from the upstream, for
the payer only), a management token with a new key, the payment-response header with the
settlement; or, before delivery, where to poll. Answers are kept without secrets, for replays."""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.billing.providers.x402 import protocol
from apps.core.errors import ApplicationError
from apps.proxies.models import PoolKey
from apps.proxies.services.secret import pool_key_reveal
from apps.proxies.urlgrammar import ProxyOptions, build_proxy_url

from ..models import X402Purchase
from .accounts import agent_account_ensure, agent_management_token_issue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def order_view(purchase: X402Purchase, poll_url: str = "") -> dict[str, Any]:
    """The x402 order as the agent sees it (no secrets)."""
    order = purchase.order
    view: dict[str, Any] = {
        "id": str(order.public_id),
        "kind": purchase.kind,
        "status": order.status,
        "gb": f"{order.gb.normalize():f}",
        "days": order.validity_days,
        "price": {"amount": str(order.price), "asset": "USDC"},
        "payment": {
            "state": purchase.state,
            "network": purchase.network,
            "payer": purchase.payer,
            "transaction": purchase.transaction or None,
        },
        "key_id": int(order.fulfilment_ref) if order.fulfilment_ref.isdigit() else None,
    }
    if order.failure_reason:
        view["failure_reason"] = order.failure_reason
    if poll_url:
        view["poll"] = poll_url.replace("{id}", str(order.public_id))
    return view


def key_view(key: PoolKey, secret: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": key.pk,
        "secret": secret,
        "cap_gb": f"{key.cap_gb.normalize():f}" if key.cap_gb is not None else None,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        "gateway_host": settings.PROXIES_SX_GATEWAY_HOST,
    }
    if secret:
        view["proxy_urls"] = {
            "http": build_proxy_url(secret=secret).url,
            "socks5": build_proxy_url(secret=secret, options=ProxyOptions(protocol="socks5")).url,
            "http_us_sticky": build_proxy_url(
                secret=secret, options=ProxyOptions(country="us", sid="agent1", rotation="sticky")
            ).url,
        }
    else:
        view["secret_unavailable"] = "The upstream did not reveal the secret just now; send the same payment again."
    return view


def _reveal(key: PoolKey, customer) -> str | None:
    try:
        return pool_key_reveal(key=key, actor=customer)
    except ApplicationError as exc:
        logger.warning("x402: the secret of key %s could not be read: %s", key.pk, exc.__class__.__name__)
        return None


def answer_delivery(purchase: X402Purchase, poll_url: str, *, replay: bool, issue_token: bool = False) -> Answer:
    """A settled x402 order: 200 with the key once it is delivered, 202 while it is not yet."""
    purchase.order.refresh_from_db()
    order = purchase.order
    headers = {}
    if purchase.settlement:
        headers[protocol.PAYMENT_RESPONSE_HEADER] = protocol.settlement_header(
            protocol.settlement_from_dict(purchase.settlement)
        )
    body: dict[str, Any] = {"order": order_view(purchase, poll_url)}
    key = PoolKey.objects.filter(pk=int(order.fulfilment_ref)).first() if order.fulfilment_ref.isdigit() else None
    if order.status != order.Status.PROVISIONED or key is None:
        body["detail"] = (
            "Paid; the key is being delivered. Poll the order, then send the same payment again for the key."
        )
        return _kept(purchase, Answer(202, body, headers), replay=replay)
    body["key"] = key_view(key, _reveal(key, purchase.customer))
    if purchase.kind == X402Purchase.Kind.BUY and (issue_token or replay):
        account = agent_account_ensure(wallet=purchase.payer, network=purchase.network)
        if account.user_id == purchase.customer_id:
            body["management_token"] = agent_management_token_issue(account=account)
            body["management"] = "Bearer token for the customer API (read scope) and for top-ups of this key."
    return _kept(purchase, Answer(200, body, headers), replay=replay)


def _kept(purchase: X402Purchase, answer: Answer, *, replay: bool) -> Answer:
    """Stores the first full answer (200) without its secrets, for operators and replays."""
    if answer.status == 200 and purchase.answer_status != 200:
        stored = {k: v for k, v in answer.body.items() if k not in {"management_token", "key"}}
        with transaction.atomic():
            X402Purchase.objects.filter(pk=purchase.pk).update(answer_status=200, answer={"body": stored})
    return answer


def answer_stored(purchase: X402Purchase) -> Answer:
    """The answer kept for a refused or unknown settlement, as first given."""
    kept = purchase.answer or {}
    return Answer(
        purchase.answer_status or 409, kept.get("body") or {"error": purchase.state}, kept.get("headers") or {}
    )

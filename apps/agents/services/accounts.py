"""Agent accounts: a customer per paying wallet, created on its first payment, and the read-scope
API key (the management token) handed to it with a purchase."""

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create, api_key_revoke
from apps.core.services import audit_log

from ..models import AgentAccount

# RFC 2606 reserves .invalid: no mail is ever delivered there (apps/core/mail.py drops it).
AGENT_EMAIL_DOMAIN = "agents.invalid"
MANAGEMENT_KEY_NAME = "x402 management token"


def agent_account_ensure(*, wallet: str, network: str) -> AgentAccount:
    """The wallet's agent account, created (with its user) on first sight. The unique wallet
    decides between two first payments racing, not a prior read."""
    wallet = wallet.lower()
    found = AgentAccount.objects.select_related("user").filter(wallet=wallet).first()
    if found is not None:
        return found
    with transaction.atomic():
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            email=f"{wallet}@{AGENT_EMAIL_DOMAIN}", defaults={"name": f"Agent {wallet[:6]}…{wallet[-4:]}"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            audit_log(action="agent.created", customer=user, target=user, data={"wallet": wallet, "network": network})
        account, _ = AgentAccount.objects.get_or_create(user=user, defaults={"wallet": wallet, "network": network})
    return account


def agent_management_token_issue(*, account: AgentAccount) -> str:
    """A new read-scope API key for the agent; the one handed out before is revoked (the shop
    keeps only hashes, so a token is shown once, with the purchase that issued it)."""
    with transaction.atomic():
        locked = AgentAccount.objects.select_for_update().get(pk=account.pk)
        previous = ApiKey.objects.filter(pk=locked.management_key_id).first() if locked.management_key_id else None
        if previous is not None:
            api_key_revoke(key=previous, reason="a new management token was issued with an x402 purchase")
        key, raw = api_key_create(customer=locked.user, name=MANAGEMENT_KEY_NAME, scopes=["read"])
        locked.management_key = key
        locked.save(update_fields=["management_key", "updated_at"])
    account.management_key = key
    return raw

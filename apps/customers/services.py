"""A customer's account across the products: deletion (the customer's own choice) and
deactivation (the operator's). Both stop traffic upstream first and only then change the
account, so a failed upstream call leaves everything as it was and the action can be retried
(every upstream write has an idempotency key derived from the account and the object)."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import ApiKey, User
from apps.core.errors import ApplicationError
from apps.core.services import audit_log
from apps.ports.models import Port
from apps.ports.services.credentials import port_block, port_unblock
from apps.ports.services.lifecycle import port_release
from apps.proxies.errors import upstream_errors_as_domain
from apps.proxies.models import PoolKey
from apps.proxies.services.changes import pool_key_set_enabled
from apps.proxies.services.keys import pool_key_delete


class AccountDeletionRefused(ApplicationError):
    pass


def customer_delete(*, customer: User, ip: str | None = None) -> None:
    """Deletes the customer's account at their request: every key deleted upstream and every
    port released (traffic stops, slots free), then personal data anonymised: email, name,
    password, sign-in methods, API keys. Orders, payments and invoices stay (bookkeeping law),
    as do the audit entries. Raises the upstream's RetryableError/TerminalError if a key or port
    could not be released: the account is then unchanged (what was released stays released)."""
    if customer.is_staff:
        raise AccountDeletionRefused(gettext("Staff accounts are removed by another operator in the admin."))
    keys = list(PoolKey.objects.filter(customer=customer, deleted_at__isnull=True))
    ports = list(Port.objects.filter(customer=customer, released_at__isnull=True))
    for key in keys:
        with upstream_errors_as_domain():
            pool_key_delete(
                key=key,
                idempotency_key=f"sf-account-delete-{customer.pk}-key-{key.pk}",
                actor=customer,
                reason="the customer deleted their account",
            )
    for port in ports:
        port_release(
            port=port,
            idempotency_key=f"sf-account-delete-{customer.pk}-port-{port.pk}",
            actor=customer,
            reason="the customer deleted their account",
        )
    with transaction.atomic():
        _anonymise(customer)
        audit_log(
            action="account.deleted",
            customer=customer,
            target=customer,
            ip=ip,
            data={"keys_deleted": len(keys), "ports_released": len(ports)},
        )


def _anonymise(customer: User) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=customer).delete()
    Authenticator.objects.filter(user=customer).delete()
    ApiKey.objects.filter(customer=customer, revoked_at__isnull=True).update(revoked_at=timezone.now())
    customer.email = f"deleted-{customer.pk}-{secrets.token_hex(4)}@deleted.invalid"
    customer.name = ""
    customer.is_active = False
    customer.set_unusable_password()  # also ends every session (the session hash changes)
    customer.save()


def customer_deactivate(*, customer: User, actor: User, reason: str) -> dict[str, int]:
    """The operator stops a customer: keys disabled and ports blocked upstream, then the account
    deactivated (no sign-in). What was switched off is recorded, so a reactivation can offer to
    switch exactly that back on."""
    nonce = secrets.token_hex(4)
    keys = list(PoolKey.objects.filter(customer=customer, deleted_at__isnull=True, enabled=True))
    ports = list(Port.objects.filter(customer=customer, released_at__isnull=True, blocked_at__isnull=True))
    for key in keys:
        with upstream_errors_as_domain():
            pool_key_set_enabled(
                key=key,
                enabled=False,
                idempotency_key=f"sf-deactivate-{customer.pk}-key-{key.pk}-{nonce}",
                actor=actor,
                reason=f"customer deactivated: {reason}",
            )
    for port in ports:
        port_block(
            port=port,
            idempotency_key=f"sf-deactivate-{customer.pk}-port-{port.pk}-{nonce}",
            actor=actor,
            reason=f"customer deactivated: {reason}",
        )
    User.objects.filter(pk=customer.pk).update(is_active=False)
    customer.is_active = False
    audit_log(
        action="customer.deactivated",
        actor=actor,
        customer=customer,
        target=customer,
        reason=reason,
        data={"keys": [k.pk for k in keys], "ports": [p.pk for p in ports]},
    )
    return {"keys": len(keys), "ports": len(ports)}


def customer_reactivate(*, customer: User, actor: User, reenable: bool, reason: str = "") -> dict[str, int]:
    """Lets the customer sign in again; with `reenable`, switches back on the keys and ports the
    last deactivation switched off (not ones that were already off, or held for other reasons)."""
    from apps.core.models import AuditEntry

    User.objects.filter(pk=customer.pk).update(is_active=True)
    customer.is_active = True
    restored = {"keys": 0, "ports": 0}
    if reenable:
        last = (
            AuditEntry.objects.filter(action="customer.deactivated", customer=customer).order_by("-created_at").first()
        )
        switched_off = last.data if last else {}
        nonce = secrets.token_hex(4)
        for key in PoolKey.objects.filter(pk__in=switched_off.get("keys", []), deleted_at__isnull=True, enabled=False):
            with upstream_errors_as_domain():
                pool_key_set_enabled(
                    key=key,
                    enabled=True,
                    idempotency_key=f"sf-reactivate-{customer.pk}-key-{key.pk}-{nonce}",
                    actor=actor,
                    reason="customer reactivated",
                )
            restored["keys"] += 1
        for port in Port.objects.filter(pk__in=switched_off.get("ports", []), released_at__isnull=True):
            port_unblock(
                port=port,
                idempotency_key=f"sf-reactivate-{customer.pk}-port-{port.pk}-{nonce}",
                actor=actor,
                reason="customer reactivated",
            )
            restored["ports"] += 1
    audit_log(
        action="customer.reactivated",
        actor=actor,
        customer=customer,
        target=customer,
        reason=reason,
        data={"reenabled": reenable, **restored},
    )
    return restored

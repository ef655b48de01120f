"""Ports services: every write about ports goes through one of these."""

from .account import ports_account_refresh
from .credentials import port_block, port_credentials_change, port_password_reveal, port_unblock
from .expiry import port_expiry_notices_send, ports_release_expired
from .fulfil import PortDelivery, port_display_name_for, port_fulfil
from .keys import idempotency_key_validate, port_idempotency_key
from .lifecycle import (
    PortCheck,
    port_check,
    port_os_fingerprint_set,
    port_reconfigure,
    port_refresh_if_stale,
    port_release,
    port_sync,
    ports_sync_all,
)
from .links import (
    NewRotationLink,
    RotationLinkRateLimited,
    port_rotate_by_link,
    port_rotation_link_active,
    port_rotation_link_create,
    port_rotation_link_revoke,
)
from .plans import (
    PortAvailability,
    port_order_revoke,
    port_plan_availability,
    port_plan_fulfil,
    port_plan_get,
    port_plan_renew,
    port_plan_renewal_check,
)
from .renew import port_renew
from .rotation import RotationOutcome, port_can_rotate, port_history_sync, port_rotate, port_rotation_settings_set

__all__ = [
    "NewRotationLink",
    "PortAvailability",
    "PortCheck",
    "PortDelivery",
    "RotationLinkRateLimited",
    "RotationOutcome",
    "idempotency_key_validate",
    "port_block",
    "port_can_rotate",
    "port_check",
    "port_credentials_change",
    "port_display_name_for",
    "port_expiry_notices_send",
    "port_fulfil",
    "port_history_sync",
    "port_idempotency_key",
    "port_order_revoke",
    "port_os_fingerprint_set",
    "port_password_reveal",
    "port_plan_availability",
    "port_plan_fulfil",
    "port_plan_get",
    "port_plan_renew",
    "port_plan_renewal_check",
    "port_reconfigure",
    "port_refresh_if_stale",
    "port_release",
    "port_renew",
    "port_rotate",
    "port_rotate_by_link",
    "port_rotation_link_active",
    "port_rotation_link_create",
    "port_rotation_link_revoke",
    "port_rotation_settings_set",
    "port_sync",
    "port_unblock",
    "ports_account_refresh",
    "ports_release_expired",
    "ports_sync_all",
]

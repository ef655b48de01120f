"""Pool-key services: every write to a key goes through here (upstream first, then the local
mirror and the audit log). Split by concern; import from this package."""

from .alerts import (
    pool_key_alerts_rearm,
    pool_key_alerts_run,
    upstream_auth_alert_check,
)
from .changes import pool_key_extend, pool_key_relabel, pool_key_set_cap, pool_key_set_enabled, pool_key_top_up
from .customer_keys import pool_key_alert_levels_set, pool_key_customer_delete, pool_key_customer_rename
from .diagnostics import ProxyTestRateLimited, proxy_test_execute, proxy_test_run, proxy_test_start
from .idempotency import idempotency_key_derive, idempotency_key_for, idempotency_key_validate
from .keys import pool_key_adopt, pool_key_delete, pool_key_find_upstream_by_label, pool_key_label_for, pool_key_mint
from .refresh import pool_key_refresh_for_customer, pool_key_refresh_if_stale
from .secret import pool_key_regenerate, pool_key_reveal
from .sessions import CloseAllResult, session_close, sessions_close_all
from .sync import PoolKeySyncResult, pool_key_sync, pool_key_sync_all
from .transfers import pool_key_transfer_advance, pool_key_transfer_start, pool_key_transfers_reconcile
from .usage import usage_samples_prune, usage_samples_record, usage_sync_run

__all__ = [
    "ProxyTestRateLimited",
    "proxy_test_execute",
    "proxy_test_run",
    "proxy_test_start",
    "CloseAllResult",
    "PoolKeySyncResult",
    "idempotency_key_derive",
    "idempotency_key_for",
    "idempotency_key_validate",
    "pool_key_adopt",
    "pool_key_alerts_rearm",
    "pool_key_alert_levels_set",
    "pool_key_alerts_run",
    "pool_key_customer_delete",
    "pool_key_customer_rename",
    "pool_key_delete",
    "pool_key_extend",
    "pool_key_find_upstream_by_label",
    "pool_key_label_for",
    "pool_key_mint",
    "pool_key_refresh_for_customer",
    "pool_key_refresh_if_stale",
    "pool_key_regenerate",
    "pool_key_relabel",
    "pool_key_reveal",
    "pool_key_set_cap",
    "pool_key_set_enabled",
    "pool_key_sync",
    "pool_key_sync_all",
    "pool_key_top_up",
    "pool_key_transfer_advance",
    "pool_key_transfer_start",
    "pool_key_transfers_reconcile",
    "session_close",
    "sessions_close_all",
    "upstream_auth_alert_check",
    "usage_samples_prune",
    "usage_samples_record",
    "usage_sync_run",
]

"""Customer dashboard views. Thin: each reads through selectors / dashboard helpers or calls
one service, then renders. Every page that can show the `pak_` secret is sent no-store."""

from .dashboard import dashboard
from .diagnostics import key_test, key_tests
from .key_actions import key_alerts, key_delete, key_move, key_rename, usage_csv
from .keys import key_bulk, key_regenerate, key_reveal
from .lazy import (
    builder_suggestions,
    help_card,
    key_buy,
    key_history,
    key_list,
    key_manage,
    key_usage,
    orders_recent,
)
from .live import incidents_partial, session_close, sessions_close_all, sessions_partial, stock_partial

__all__ = [
    "builder_suggestions",
    "dashboard",
    "help_card",
    "incidents_partial",
    "key_alerts",
    "key_bulk",
    "key_buy",
    "key_delete",
    "key_history",
    "key_list",
    "key_manage",
    "key_move",
    "key_regenerate",
    "key_rename",
    "key_test",
    "key_tests",
    "orders_recent",
    "key_usage",
    "key_reveal",
    "session_close",
    "sessions_close_all",
    "sessions_partial",
    "stock_partial",
    "usage_csv",
]

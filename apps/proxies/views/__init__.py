"""Customer dashboard views. Thin: each reads through selectors / dashboard helpers or calls
one service, then renders. Every page that can show the `pak_` secret is sent no-store."""

from .dashboard import dashboard, order_status
from .keys import key_bulk, key_regenerate, key_reveal
from .live import incidents_partial, session_close, sessions_close_all, sessions_partial, stock_partial
from .orders import order_list, order_receipt

__all__ = [
    "dashboard",
    "incidents_partial",
    "key_bulk",
    "key_regenerate",
    "key_reveal",
    "order_list",
    "order_receipt",
    "order_status",
    "session_close",
    "sessions_close_all",
    "sessions_partial",
    "stock_partial",
]

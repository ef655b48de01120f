"""Customer views of the Ports dashboard and the public rotation link. Thin: each reads through
selectors and the dashboard module or calls one service. Pages that can show the port's password
or a new rotation link are sent no-store and never redirect with a secret in the URL."""

from .actions import (
    port_check_view,
    port_credentials_view,
    port_fingerprint_view,
    port_link_create_view,
    port_link_revoke_view,
    port_reveal_view,
    port_rotate_view,
    port_rotation_settings_view,
)
from .link import rotation_link_view
from .pages import port_can_rotate_view, port_detail_view, ports_list_view

__all__ = [
    "port_can_rotate_view",
    "port_check_view",
    "port_credentials_view",
    "port_detail_view",
    "port_fingerprint_view",
    "port_link_create_view",
    "port_link_revoke_view",
    "port_reveal_view",
    "port_rotate_view",
    "port_rotation_settings_view",
    "ports_list_view",
    "rotation_link_view",
]

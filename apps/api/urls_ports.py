"""The dedicated ports endpoints (included by urls.py under /api/v1/)."""

from django.urls import path

from .views import ports

port_urls = [
    path("ports", ports.PortListView.as_view(), name="ports"),
    path("ports/<int:port_id>", ports.PortDetailView.as_view(), name="port"),
    path("ports/<int:port_id>/rotate", ports.PortRotateView.as_view(), name="port_rotate"),
    path(
        "ports/<int:port_id>/rotation-settings",
        ports.PortRotationSettingsView.as_view(),
        name="port_rotation_settings",
    ),
    path("ports/<int:port_id>/rotations", ports.PortRotationListView.as_view(), name="port_rotations"),
    path("ports/<int:port_id>/os-fingerprint", ports.PortFingerprintView.as_view(), name="port_os_fingerprint"),
    path("ports/<int:port_id>/credentials", ports.PortCredentialsView.as_view(), name="port_credentials"),
]

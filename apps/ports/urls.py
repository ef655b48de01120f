from django.urls import path

from . import views

app_name = "ports"
urlpatterns = [
    path("dashboard/ports/", views.ports_list_view, name="list"),
    path("dashboard/ports/<int:port_id>/", views.port_detail_view, name="detail"),
    path("dashboard/ports/<int:port_id>/can-rotate/", views.port_can_rotate_view, name="can_rotate"),
    path("dashboard/ports/<int:port_id>/rotate/", views.port_rotate_view, name="rotate"),
    path("dashboard/ports/<int:port_id>/reveal/", views.port_reveal_view, name="reveal"),
    path("dashboard/ports/<int:port_id>/credentials/", views.port_credentials_view, name="credentials"),
    path(
        "dashboard/ports/<int:port_id>/rotation-settings/", views.port_rotation_settings_view, name="rotation_settings"
    ),
    path("dashboard/ports/<int:port_id>/os-fingerprint/", views.port_fingerprint_view, name="os_fingerprint"),
    path("dashboard/ports/<int:port_id>/check/", views.port_check_view, name="check"),
    path("dashboard/ports/<int:port_id>/link/", views.port_link_create_view, name="link_create"),
    path("dashboard/ports/<int:port_id>/link/revoke/", views.port_link_revoke_view, name="link_revoke"),
    # The public rotation link: the token is the credential (masked in every log line).
    path("r/<str:token>", views.rotation_link_view, name="rotation_link"),
]

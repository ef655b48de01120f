"""Customers' API keys in the console: operators see and revoke them, never create or edit them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.core.http import client_ip


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Customers' API keys: operators see and revoke them, never create or edit them (a key is
    created by its owner, shown once, and stored only as a hash)."""

    list_display = ("name", "hint", "customer", "scope_list", "status", "expires_at", "last_used_at", "last_used_ip")
    list_filter = ("mode", "revoked_at")
    list_select_related = ("customer",)
    search_fields = ("name", "lookup", "customer__email")
    readonly_fields = (
        "customer",
        "name",
        "hint",
        "mode",
        "scopes",
        "expires_at",
        "ip_allowlist",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "created_at",
    )
    fields = readonly_fields
    actions = ["revoke_selected"]

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes or [])

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only pages; revoking is the one change, through the action

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected API keys"), permissions=["view"])
    def revoke_selected(self, request, queryset) -> None:
        revoked = sum(
            api_key_revoke(key=key, actor=request.user, ip=client_ip(request), reason="revoked by an operator")
            for key in queryset.select_related("customer")
        )
        self.message_user(request, f"Revoked {revoked} API key{'s' if revoked != 1 else ''}.")

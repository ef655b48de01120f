"""The ports simulator in the admin: inventory, account and ports to look at and stage a demo
(take devices offline, change slots). Port secrets are never shown."""

from django.contrib import admin

from .models import SandboxPort, SandboxPortAccount, SandboxPortDevice, SandboxPortRotation


@admin.register(SandboxPortAccount)
class SandboxPortAccountAdmin(admin.ModelAdmin):
    list_display = ("__str__", "shared_traffic_gb", "private_traffic_gb", "subscription_expires_at")

    def has_add_permission(self, request):
        return not SandboxPortAccount.objects.exists()

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(SandboxPortDevice)
class SandboxPortDeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "carrier", "region", "ip", "online", "exclusive")
    list_filter = ("country", "online", "exclusive")
    list_editable = ("online",)
    fields = ("name", "online")
    readonly_fields = ("name",)

    def has_add_permission(self, request):
        return False


@admin.register(SandboxPort)
class SandboxPortAdmin(admin.ModelAdmin):
    list_display = ("public_id", "display_name", "slot_type", "device", "expires_at", "suspended", "auto_enabled")
    list_filter = ("slot_type", "suspended", "auto_enabled")
    search_fields = ("public_id", "display_name", "name")
    fields = ("public_id", "display_name", "slot_type", "device", "expires_at", "suspended", "rotation_count")
    readonly_fields = ("public_id", "display_name", "slot_type", "device", "expires_at", "rotation_count")

    def has_add_permission(self, request):
        return False


@admin.register(SandboxPortRotation)
class SandboxPortRotationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "port_id", "trigger_type", "from_ip", "to_ip", "success")
    list_filter = ("trigger_type", "success")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

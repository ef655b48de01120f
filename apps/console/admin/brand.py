"""The shop's brand (name, colours, contact and legal links) as one editable row."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse

from apps.accounts.models import BrandSettings
from apps.accounts.services import brand_update


@admin.register(BrandSettings)
class BrandSettingsAdmin(admin.ModelAdmin):
    """A singleton: the changelist goes straight to the one row; it can be edited, never
    deleted, and added only while it does not exist yet (the env defaults apply until then)."""

    fieldsets = (
        (None, {"fields": ("name", "tagline", "logo_url")}),
        ("Colours", {"fields": ("primary_color", "accent_color")}),
        ("Contact and legal", {"fields": ("support_email", "terms_url", "aup_url", "privacy_url", "terms_version")}),
        (
            "Seller on invoices",
            {"fields": ("legal_name", "legal_address", "tax_id", "registration_number")},
        ),
    )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not BrandSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if BrandSettings.objects.filter(pk=1).exists():
            return HttpResponseRedirect(reverse("admin:accounts_brandsettings_change", args=[1]))
        return HttpResponseRedirect(reverse("admin:accounts_brandsettings_add"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request) -> dict:
        return BrandSettings.defaults()

    def save_model(self, request, obj, form, change) -> None:
        brand_update(brand=obj, actor=request.user)

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse

from .models import BrandSettings, User
from .services import brand_update


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    list_display = ("email", "name", "is_staff", "is_active", "two_factor", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "date_joined")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        return super().get_queryset(request).annotate(has_totp=Exists(totp))

    @admin.display(boolean=True, description="2FA", ordering="has_totp")
    def two_factor(self, obj: User) -> bool:
        return obj.has_totp


@admin.register(BrandSettings)
class BrandSettingsAdmin(admin.ModelAdmin):
    """A singleton: the changelist goes straight to the one row; it can be edited, never
    deleted, and added only while it does not exist yet (the env defaults apply until then)."""

    fieldsets = (
        (None, {"fields": ("name", "tagline", "logo_url")}),
        ("Colours", {"fields": ("primary_color", "accent_color")}),
        ("Contact and legal", {"fields": ("support_email", "terms_url", "privacy_url")}),
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

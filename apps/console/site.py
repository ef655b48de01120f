"""The admin site the operators use: the console. Its login goes through allauth, so the rate
limits and two-factor auth apply to it too, and its own pages (the overview) sit behind the same
staff-only login as every model page."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import path


class ConsoleSite(admin.AdminSite):
    site_header = "Storefront console"

    def login(self, request, extra_context=None):
        return secure_admin_login(super().login)(request, extra_context)

    def get_urls(self):
        from . import views

        return [
            path("overview/", self.admin_view(views.overview_view), name="overview"),
            path("guide/", self.admin_view(views.guide_view), name="operator_guide"),
            path("view-as/stop/", self.admin_view(views.view_as_stop_view), name="view_as_stop"),
            *super().get_urls(),
        ]

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy


class ConsoleConfig(AppConfig):
    default = True  # "apps.console" in INSTALLED_APPS; the admin config below is listed by path
    name = "apps.console"
    label = "console"
    verbose_name = gettext_lazy("Console")


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the console's site (site.py) as the default `admin.site`."""

    default = False
    default_site = "apps.console.site.ConsoleSite"

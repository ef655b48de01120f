from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    verbose_name = gettext_lazy("Customer API")

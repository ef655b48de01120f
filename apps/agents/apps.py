from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AgentsConfig(AppConfig):
    name = "apps.agents"
    label = "agents"
    verbose_name = gettext_lazy("Agents (x402)")
    default_auto_field = "django.db.models.BigAutoField"

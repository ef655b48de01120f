from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "apps.agents"
    label = "agents"
    verbose_name = "Agents (x402)"
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "apps.proxies.sandbox"
    label = "proxies_sandbox"
    verbose_name = "Sandbox upstream"

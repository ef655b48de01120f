from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The simulators: the Pool Gateway (upstream/), the ports API (ports/) and the payment page (payments/). Installed
    only while a sandbox is active (settings.SANDBOX_ACTIVE), so a production database never gets
    their tables. The label is the one the upstream simulator always had, so its migrations and
    tables carry on unchanged."""

    name = "apps.sandbox"
    label = "proxies_sandbox"
    verbose_name = "Sandbox"

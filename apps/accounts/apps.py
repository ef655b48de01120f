from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    # allauth's own "account" app is also called Accounts in the admin; tell them apart.
    verbose_name = "Users and brand"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

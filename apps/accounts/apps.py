from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    # allauth's own "account" app is also called Accounts in the admin; tell them apart.
    verbose_name = gettext_lazy("Users and brand")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

"""`manage.py demo_data`: a demo customer and a demo operator for the embedded default.

Idempotent: creates what is missing and prints the URL and both logins. Refuses to run
unless the shop is in sandbox mode with DEBUG on, so it can never plant known passwords in a
real shop. Apps can add their own demo data in `apps/<app>/demo.py` with a function
`demo_data_create(*, stdout) -> None`; it is called after the users exist.
"""

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.core.services import audit_log

DEMO_CUSTOMER = ("demo@example.com", "storefront-demo")
DEMO_OPERATOR = ("admin@example.com", "storefront-admin")


class Command(BaseCommand):
    help = "Create a demo customer and operator (sandbox mode with DEBUG only) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="The address to print (default: SITE_URL).")
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Set the demo passwords again if they were changed."
        )

    def handle(self, *args, url: str, reset_passwords: bool, **options):
        if not (settings.SANDBOX_ACTIVE and settings.DEBUG):
            raise CommandError(
                "demo_data only runs in sandbox mode with DEBUG on (the `make run` default): "
                "it creates accounts with published passwords."
            )
        with transaction.atomic():
            customer = self._ensure_user(*DEMO_CUSTOMER, operator=False, reset=reset_passwords)
            operator = self._ensure_user(*DEMO_OPERATOR, operator=True, reset=reset_passwords)
        for module in self._app_demo_modules():
            module.demo_data_create(stdout=self.stdout)

        url = (url or settings.SITE_URL).rstrip("/")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Storefront (sandbox mode) at {url}/"))
        self.stdout.write(f"  customer: {customer.email} / {self._shown_password(customer, DEMO_CUSTOMER[1])}")
        self.stdout.write(
            f"  operator: {operator.email} / {self._shown_password(operator, DEMO_OPERATOR[1])}   (admin: {url}/admin/)"
        )
        self.stdout.write(f"  emails:   {self._where_emails_go()}")
        self.stdout.write("")

    @staticmethod
    def _where_emails_go() -> str:
        """Where confirmation, sign-in code, password reset and receipt mails end up."""
        scheme = settings.EMAIL_URL.split("://", 1)[0]
        if scheme == "consolemail":
            return "printed in this terminal (console mail; set EMAIL_URL to send them)"
        if scheme == "filemail":
            return f"written as files to {settings.MAILERS['default'].get('OPTIONS', {}).get('file_path', '?')}"
        if scheme in {"dummymail", "memorymail"}:
            return "discarded (EMAIL_URL is a test backend)"
        host = settings.MAILERS["default"].get("OPTIONS", {}).get("host", "?")
        return f"sent through the mail server {host}"

    def _ensure_user(self, email: str, password: str, *, operator: bool, reset: bool):
        from allauth.account.models import EmailAddress

        User = apps.get_model(settings.AUTH_USER_MODEL)  # noqa: N806
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            create = User.objects.create_superuser if operator else User.objects.create_user
            user = create(email=email, password=password, name="Demo operator" if operator else "Demo customer")
            audit_log(action="demo_data.user_created", target=user, reason="manage.py demo_data")
            self.stdout.write(f"Created {email}.")
        elif reset and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Reset the password of {email}.")
        # A verified address, so the demo logins are not held up by the confirmation mail.
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return user

    @staticmethod
    def _shown_password(user, password: str) -> str:
        if user.check_password(password):
            return password
        return "(changed since; `manage.py demo_data --reset-passwords` sets it back)"

    @staticmethod
    def _app_demo_modules():
        for config in apps.get_app_configs():
            if not config.name.startswith("apps."):
                continue
            name = f"{config.name}.demo"
            if importlib.util.find_spec(name) is not None:
                module = importlib.import_module(name)
                if hasattr(module, "demo_data_create"):
                    yield module

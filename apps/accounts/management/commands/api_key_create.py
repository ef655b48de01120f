"""manage.py api_key_create <customer email> [--scope S ...] [--name N] [--expires-in-days D]

Creates an API key for a customer and prints it once (for operators and scripts): only a hash
is stored, so it cannot be shown again."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import ApiKeyScope, User
from apps.accounts.services import api_key_create
from apps.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for a customer and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The customer's email address.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ApiKeyScope.values,
            help="A scope to grant; repeat for more (default: read).",
        )
        parser.add_argument("--name", default="created by an operator", help="A name to tell the key apart.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args, email: str, scopes: list[str] | None, name: str, expires_in_days: int | None, **options):
        customer = User.objects.filter(email__iexact=email.strip()).first()
        if customer is None:
            raise CommandError(f"No user with the email address {email!r}.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            key, raw_key = api_key_create(
                customer=customer, name=name, scopes=scopes or [ApiKeyScope.READ], expires_at=expires_at
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(f"Created API key {key.hint} ({', '.join(key.scopes)}) for {customer.email}. Shown once:")
        self.stdout.write(raw_key)

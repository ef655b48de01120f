"""The customer's language outside a request: emails and background jobs that write to them."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation


def language_offered(code: str | None) -> str | None:
    """`code` when the shop offers it (LANGUAGES), in its settings spelling; else None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    offered = {lang for lang, _ in settings.LANGUAGES}
    return code if code in offered else None


def user_language(user: object) -> str:
    """The language a customer chose (User.language), or the shop's default."""
    return language_offered(getattr(user, "language", "")) or settings.LANGUAGE_CODE


@contextmanager
def language_of(user: object) -> Iterator[str]:
    """Renders everything inside (subject, body, dates) in `user`'s language."""
    language = user_language(user)
    with translation.override(language):
        yield language


def babel_locale() -> str:
    """The active language as a Babel/CLDR locale: pt_BR, zh_Hans, de."""
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)


def money_format(amount: Decimal, currency: str, *, short: bool = False) -> str:
    """$35.00 in English, 35,00 $ in German, US$35.00 in Portuguese: CLDR's pattern for the active
    language. `short`: a whole amount without its cents ($35)."""
    locale = Locale.parse(babel_locale())
    code = (currency or "usd").upper()
    if short and amount == amount.to_integral_value():
        pattern = locale.currency_formats["standard"].pattern.split(";")[0]
        return format_currency(amount, code, format=pattern.replace("0.00", "0"), locale=locale, currency_digits=False)
    return format_currency(amount, code, locale=locale)


def territory_name(code: str) -> str | None:
    """A country's name in the active language (CLDR), or None when CLDR has no such code."""
    return Locale.parse(babel_locale()).territories.get(code.upper())

"""Small helpers every admin module shares: links to another object's admin page, the read-only
permission set for records written by services and jobs, short text for long fields and pretty JSON.

Generic on purpose: this module names no other app (core sits at the bottom of the layers); a link
finds its URL from the linked object's own model."""

import json
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

# An action offered both on the list (for the selected rows) and as a button on the object page.
BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]
SHORT_TEXT = 60


def admin_link(obj, text=None) -> str:
    """A link to `obj`'s change page in the admin, labelled `text` (default: str(obj)); "—" for None."""
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, str(obj) if text is None else text)


def customer_link(customer: AbstractBaseUser | None) -> str:
    """The customer's admin page, labelled with their e-mail address; "—" when there is none."""
    if customer is None:
        return "—"
    # Any user model: read the e-mail through the model's own EMAIL_FIELD ("email" for ours).
    return admin_link(customer, getattr(customer, customer.get_email_field_name()))


def gb_text(value, *, none: str = "unlimited") -> str:
    """A quantity of traffic as every console page shows it: two decimals and the unit
    ("8.60 GB"); `none` for a missing value (an unlimited cap)."""
    if value is None:
        return none
    amount = Decimal(value)
    if 0 < amount < Decimal("0.01"):
        return "< 0.01 GB"
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f} GB"


def pill(label: str, tone: str) -> str:
    """A coloured status badge (tone: ok, warn, danger, info, muted; see static/css/console.css)."""
    return format_html('<span class="console-pill console-pill-{}">{}</span>', tone, label)


def when(moment) -> str:
    """A date and time in a list column, short enough for a laptop: "2026-12-02 17:03" (UTC), the
    date and the time on two lines when the column is narrow; "—" for none."""
    if moment is None:
        return "—"
    moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return format_html('<span class="console-when">{} <span>{}</span></span>', f"{moment:%Y-%m-%d}", f"{moment:%H:%M}")


def short_text(text: str, limit: int = SHORT_TEXT) -> str:
    """`text` cut to `limit` characters with an ellipsis, for a list column."""
    return text if len(text) <= limit else text[: limit - 3] + "…"


def pretty_json(value) -> str:
    """A JSON value indented in a <pre>, for a read-only field."""
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyAdminMixin:
    """Records written by services, webhooks and jobs: looked at, never added, edited or deleted by
    hand. Works for a ModelAdmin and for an inline (whose permission checks also take `obj`)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown on another object's page for context; changes go through each row's own page."""

    extra = 0
    can_delete = False

"""Dashboard forms. They check shape and range; the URL grammar has the last word on the
values it puts into a username (see `apps.proxies.dashboard.formats.proxy_options`)."""

import re
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.validators import RegexValidator
from django.utils.translation import gettext, gettext_lazy

from apps.proxies.dashboard.builder import POOLS, PROTOCOLS, ROTATIONS, TTLS
from apps.proxies.dashboard.bulk import BULK_MAX, SEED_PATTERN
from apps.proxies.dashboard.countries import country_name
from apps.proxies.dashboard.formats import LIST_FORMATS
from apps.proxies.upstream.records import DEFAULT_POOL, STOCK_POOLS

COUNTRY_RE = re.compile(r"^[a-z]{2}$")
NAME_FILTER = RegexValidator(r"^[A-Za-z0-9_]+$", "Use letters, digits and _ only, like att or new_york.")
SID_PART = RegexValidator(r"^[A-Za-z0-9_]+$", "Use letters, digits and _ only.")


# Offered (without counts) while live stock has not been read yet; the gateway's list is dynamic.
FALLBACK_COUNTRIES = ("us", "gb", "de", "fr", "es", "pl", "nl", "it", "ca", "br", "in", "mx", "ua", "jp", "au")


def country_choices(counts: dict[str, dict[str, int]], pool: str, *, keep: str = "") -> list[tuple[str, str]]:
    """Countries from live stock with their online counts; ones with none are marked. Before
    stock could be read: a list of common countries, without counts."""
    codes = set(counts) or set(FALLBACK_COUNTRIES)
    if keep:
        codes.add(keep)
    choices = [("", gettext("Any country"))]
    names = {code: country_name(code) for code in codes}
    for code in sorted(codes, key=names.__getitem__):
        n = counts.get(code, {}).get(pool if pool in STOCK_POOLS else DEFAULT_POOL)
        if n is None:
            label = f"{names[code]} ({code.upper()})"
        elif n == 0:
            label = f"{names[code]} ({code.upper()}) — " + gettext("none online")
        else:
            label = f"{names[code]} ({code.upper()}) — " + gettext("%(count)s online") % {"count": intcomma(n)}
        choices.append((code, label))
    return choices


class _CountryField(forms.ChoiceField):
    """A select whose options come from the stock feed, which may lag behind what the
    gateway accepts: any well-formed code is valid."""

    def valid_value(self, value) -> bool:
        return value == "" or bool(COUNTRY_RE.match(str(value)))

    def to_python(self, value) -> str:
        return super().to_python(value).strip().lower()


class _BuilderBase(forms.Form):
    pool = forms.ChoiceField(choices=[(c, label) for c, label, _ in POOLS], initial=DEFAULT_POOL)
    country = _CountryField(required=False, choices=[("", gettext_lazy("Any country"))])
    rotation = forms.ChoiceField(choices=[(c, label) for c, label, _ in ROTATIONS], initial="sticky")
    ttl = forms.TypedChoiceField(
        label=gettext_lazy("Session lifetime"), choices=TTLS, required=False, coerce=int, empty_value=None
    )
    protocol = forms.ChoiceField(choices=PROTOCOLS, initial="http", widget=forms.RadioSelect)

    def __init__(self, *args, stock_counts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stock_counts = stock_counts or {}
        pool = self.data.get(self.add_prefix("pool")) if self.is_bound else self.initial.get("pool")
        keep = self.data.get(self.add_prefix("country"), "") if self.is_bound else self.initial.get("country", "")
        keep = keep.strip().lower() if isinstance(keep, str) and COUNTRY_RE.match(keep.strip().lower()) else ""
        # A copy of the `country` _CountryField declared above.
        cast(_CountryField, self.fields["country"]).choices = country_choices(
            self.stock_counts, pool or DEFAULT_POOL, keep=keep
        )


class ProxyUrlForm(_BuilderBase):
    carrier = forms.CharField(
        required=False,
        max_length=32,
        validators=[NAME_FILTER],
        help_text=gettext_lazy("Optional, e.g. att or vodafone."),
    )
    city = forms.CharField(
        required=False, max_length=32, validators=[NAME_FILTER], help_text=gettext_lazy("Optional, e.g. nyc.")
    )
    sid_part = forms.CharField(
        label=gettext_lazy("Session id"),
        required=False,
        max_length=32,
        validators=[SID_PART],
        help_text=gettext_lazy("Same id, same IP (with sticky rotation). Change it for a fresh IP."),
    )
    rotation = forms.ChoiceField(
        choices=[(c, label) for c, label, _ in ROTATIONS], initial="sticky", widget=forms.RadioSelect
    )

    field_order = ["pool", "country", "carrier", "city", "sid_part", "rotation", "ttl", "protocol"]

    def clean_carrier(self) -> str:
        return self.cleaned_data["carrier"].strip().lower()

    def clean_city(self) -> str:
        return self.cleaned_data["city"].strip().lower()


class BulkForm(_BuilderBase):
    count = forms.IntegerField(
        label=gettext_lazy("How many URLs"),
        min_value=1,
        max_value=BULK_MAX,
        initial=10,
        help_text=gettext("1 to %(BULK_MAX)s.") % {"BULK_MAX": format(BULK_MAX, ",")},
    )
    seed = forms.CharField(
        widget=forms.HiddenInput, validators=[RegexValidator(SEED_PATTERN, "Bad list id.")], max_length=16
    )
    # The button pressed: show, new ids, or a download ("txt": full URLs, "csv", "download": the
    # layout chosen in `layout`, one of apps.proxies.dashboard.formats.LIST_FORMATS).
    format = forms.ChoiceField(
        choices=[
            ("preview", gettext_lazy("Show")),
            ("txt", gettext_lazy("Text")),
            ("csv", gettext_lazy("CSV")),
            ("download", gettext_lazy("Download")),
            ("reseed", gettext_lazy("New ids")),
        ],
        required=False,
    )
    layout = forms.ChoiceField(choices=[(f.key, f.label) for f in LIST_FORMATS], required=False, initial="url")

    protocol = forms.ChoiceField(choices=PROTOCOLS, initial="http")

    prefix = "bulk"
    field_order = ["count", "pool", "country", "rotation", "ttl", "protocol", "seed"]


class RegenerateForm(forms.Form):
    """The confirmation step. `op` makes a double-submitted confirmation regenerate once."""

    op = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(r"^[a-f0-9]{32}$", "Bad request.")])
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand my current secret stops working immediately."), required=True
    )


OP = RegexValidator(r"^[a-f0-9]{32}$", "Bad request.")


class KeyRenameForm(forms.Form):
    """A key's new name; `op` makes a double submit rename once."""

    op = forms.CharField(widget=forms.HiddenInput, validators=[OP])
    label = forms.CharField(label=gettext_lazy("Name"), max_length=200, strip=True)


class KeyMoveForm(forms.Form):
    """Move GB from this key to a new key; `op` makes a double submit move once."""

    op = forms.CharField(widget=forms.HiddenInput, validators=[OP])
    gb = forms.DecimalField(label=gettext_lazy("GB to move"), min_value=Decimal("0.1"), max_digits=12, decimal_places=3)
    label = forms.CharField(label=gettext_lazy("New key's name"), max_length=200, strip=True)


class KeyDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Delete this key for good: it stops working at once."), required=True
    )


class KeyAlertsForm(forms.Form):
    """The usage levels (in % of the cap) at which this key's owner is emailed."""

    warn_percent = forms.IntegerField(label=gettext_lazy("First warning at (% used)"), min_value=1, max_value=99)
    full_percent = forms.IntegerField(label=gettext_lazy("Second warning at (% used)"), min_value=2, max_value=100)

    def clean(self):
        data = super().clean()
        warn, full = data.get("warn_percent"), data.get("full_percent")
        if warn is not None and full is not None and warn >= full:
            raise forms.ValidationError(gettext("The first warning must come before the second."))
        return data

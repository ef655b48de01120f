"""The URL builder's vocabulary, written for customers: what each pool, rotation mode and
session lifetime means in one plain line. The grammar itself (tokens, validation, encoding)
lives in `apps.proxies.urlgrammar`; the browser mirrors it in static/js/proxy-url.js."""

import secrets
import string
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from apps.proxies.upstream.records import POOL_MOBILE, POOL_RESIDENTIAL

StrOrLazy = str | Promise

POOLS: list[tuple[str, StrOrLazy, StrOrLazy]] = [
    (POOL_MOBILE, gettext_lazy("Mobile"), gettext_lazy("Real 4G/5G phones on carrier networks: the most trusted IPs.")),
    (
        POOL_RESIDENTIAL,
        gettext_lazy("Residential"),
        gettext_lazy("Home broadband connections: wide coverage, lower cost per IP."),
    ),
]

# All nine modes the gateway knows, in the order a customer would consider them.
ROTATIONS: list[tuple[str, StrOrLazy, StrOrLazy]] = [
    ("sticky", gettext_lazy("Sticky"), gettext_lazy("Keep the same IP for as long as you reuse this session id.")),
    ("hard", gettext_lazy("Every request"), gettext_lazy("A new IP for every single request.")),
    (
        "auto5",
        gettext_lazy("Every 5 minutes"),
        gettext_lazy("Keep an IP, then switch to a new one automatically every 5 minutes."),
    ),
    (
        "auto10",
        gettext_lazy("Every 10 minutes"),
        gettext_lazy("Keep an IP, then switch to a new one automatically every 10 minutes."),
    ),
    (
        "auto20",
        gettext_lazy("Every 20 minutes"),
        gettext_lazy("Keep an IP, then switch to a new one automatically every 20 minutes."),
    ),
    (
        "auto30",
        gettext_lazy("Every 30 minutes"),
        gettext_lazy("Keep an IP, then switch to a new one automatically every 30 minutes."),
    ),
    (
        "auto60",
        gettext_lazy("Every hour"),
        gettext_lazy("Keep an IP, then switch to a new one automatically every 60 minutes."),
    ),
    (
        "ondemand",
        gettext_lazy("On demand"),
        gettext_lazy("Keep the IP until you ask for a new one (change the session id to rotate)."),
    ),
    ("none", gettext_lazy("Gateway default"), gettext_lazy("Send no rotation setting and let the gateway decide.")),
]
ROTATION_HELP = {code: help_text for code, _label, help_text in ROTATIONS}

# Session lifetimes offered in the form (seconds; the gateway takes 60 to 2,592,000).
TTLS: list[tuple[str, StrOrLazy]] = [
    ("", gettext_lazy("Gateway default")),
    ("300", gettext_lazy("5 minutes")),
    ("600", gettext_lazy("10 minutes")),
    ("1800", gettext_lazy("30 minutes")),
    ("3600", gettext_lazy("1 hour")),
    ("21600", gettext_lazy("6 hours")),
    ("86400", gettext_lazy("24 hours")),
    ("604800", gettext_lazy("7 days")),
    ("2592000", gettext_lazy("30 days")),
]

PROTOCOLS: list[tuple[str, str]] = [("http", "HTTP · 7000"), ("socks5", "SOCKS5 · 7001")]

# Suggestions only, per country (the gateway accepts any carrier or city name it knows). Served
# as one fingerprinted JSON file (views.builder_suggestions), not in every page.
SUGGESTIONS: dict[str, dict[str, list[str]]] = {
    "us": {"carriers": ["att", "tmobile", "verizon"], "cities": ["nyc", "la", "chicago", "miami", "houston"]},
    "gb": {"carriers": ["ee", "o2", "three", "vodafone"], "cities": ["london", "manchester", "birmingham"]},
    "de": {"carriers": ["telekom", "vodafone", "o2"], "cities": ["berlin", "munich", "hamburg", "frankfurt"]},
    "fr": {"carriers": ["orange", "sfr", "bouygues", "free"], "cities": ["paris", "lyon", "marseille"]},
    "es": {"carriers": ["movistar", "vodafone", "orange"], "cities": ["madrid", "barcelona", "valencia"]},
    "it": {"carriers": ["tim", "vodafone", "windtre"], "cities": ["rome", "milan", "naples"]},
    "nl": {"carriers": ["kpn", "vodafone", "odido"], "cities": ["amsterdam", "rotterdam"]},
    "pl": {"carriers": ["orange", "play", "plus", "tmobile"], "cities": ["warsaw", "krakow"]},
    "ca": {"carriers": ["rogers", "bell", "telus"], "cities": ["toronto", "montreal", "vancouver"]},
    "au": {"carriers": ["telstra", "optus", "vodafone"], "cities": ["sydney", "melbourne"]},
    "br": {"carriers": ["vivo", "claro", "tim"], "cities": ["saopaulo", "rio"]},
    "mx": {"carriers": ["telcel", "att", "movistar"], "cities": ["mexicocity", "guadalajara"]},
    "jp": {"carriers": ["docomo", "softbank", "au"], "cities": ["tokyo", "osaka"]},
    "in": {"carriers": ["jio", "airtel", "vi"], "cities": ["mumbai", "delhi", "bangalore"]},
    "ua": {"carriers": ["kyivstar", "vodafone", "lifecell"], "cities": ["kyiv", "lviv"]},
}

SID_ALPHABET = string.ascii_lowercase + string.digits
SID_PART_LENGTH = 8


def random_sid_part(length: int = SID_PART_LENGTH) -> str:
    return "".join(secrets.choice(SID_ALPHABET) for _ in range(length))


def full_sid(*, tag: str, part: str) -> str | None:
    """The sid the gateway sees: `<tag>_<part>` (the customer's scope, see dashboard.sessions);
    None (no session) when part is empty."""
    return f"{tag}_{part}" if part else None


@dataclass(frozen=True)
class BuilderOptions:
    """What the customer chose; everything the grammar needs except the secret."""

    pool: str = "mbl"
    country: str = ""
    carrier: str = ""
    city: str = ""
    sid_part: str = ""
    rotation: str = "sticky"
    ttl: int | None = None
    protocol: str = "http"


def suggestions_for(country: str) -> dict[str, list[str]]:
    """Carriers and cities to suggest for a country (none for "any country" or an unknown one)."""
    return SUGGESTIONS.get(country, {"carriers": [], "cities": []})


def builder_options_from(data) -> BuilderOptions:
    """Options from a validated API body or tool call (the field names the API documents)."""
    return BuilderOptions(
        pool=data["pool"],
        country=data["country"],
        carrier=data["carrier"],
        city=data["city"],
        sid_part=data["session"],
        rotation=data["rotation"],
        ttl=data["ttl"],
        protocol=data["protocol"],
    )

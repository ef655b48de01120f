"""The URL builder's vocabulary, written for customers: what each pool, rotation mode and
session lifetime means in one plain line. The grammar itself (tokens, validation, encoding)
lives in `apps.proxies.urlgrammar`; the browser mirrors it in static/js/proxy-url.js."""

import secrets
import string
from dataclasses import dataclass

from apps.proxies.upstream.records import POOL_MOBILE, POOL_RESIDENTIAL

POOLS: list[tuple[str, str, str]] = [
    (POOL_MOBILE, "Mobile", "Real 4G/5G phones on carrier networks: the most trusted IPs."),
    (POOL_RESIDENTIAL, "Residential", "Home broadband connections: wide coverage, lower cost per IP."),
]

# All nine modes the gateway knows, in the order a customer would consider them.
ROTATIONS: list[tuple[str, str, str]] = [
    ("sticky", "Sticky", "Keep the same IP for as long as you reuse this session id."),
    ("hard", "Every request", "A new IP for every single request."),
    ("auto5", "Every 5 minutes", "Keep an IP, then switch to a new one automatically every 5 minutes."),
    ("auto10", "Every 10 minutes", "Keep an IP, then switch to a new one automatically every 10 minutes."),
    ("auto20", "Every 20 minutes", "Keep an IP, then switch to a new one automatically every 20 minutes."),
    ("auto30", "Every 30 minutes", "Keep an IP, then switch to a new one automatically every 30 minutes."),
    ("auto60", "Every hour", "Keep an IP, then switch to a new one automatically every 60 minutes."),
    ("ondemand", "On demand", "Keep the IP until you ask for a new one (change the session id to rotate)."),
    ("none", "Gateway default", "Send no rotation setting and let the gateway decide."),
]
ROTATION_HELP = {code: help_text for code, _label, help_text in ROTATIONS}

# Session lifetimes offered in the form (seconds; the gateway takes 60 to 2,592,000).
TTLS: list[tuple[str, str]] = [
    ("", "Gateway default"),
    ("300", "5 minutes"),
    ("600", "10 minutes"),
    ("1800", "30 minutes"),
    ("3600", "1 hour"),
    ("21600", "6 hours"),
    ("86400", "24 hours"),
    ("604800", "7 days"),
    ("2592000", "30 days"),
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

"""Rate limits as text, in allauth's syntax: "10/10m/user,30/10m/ip" (an amount, a period of
s/m/h/d with an optional count, and per customer or per client address). No Django imports:
the settings validate the environment with it."""

import re
from dataclasses import dataclass

_RATE = re.compile(r"^(?P<amount>\d+)/(?P<count>\d*)(?P<unit>[smhd])/(?P<per>user|ip)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "user" or "ip"


def rates_parse(text: str) -> list[Rate]:
    """`text` as rates; "" or "off" is no limit. Raises ValueError naming the bad part."""
    text = text.strip()
    if text in ("", "off"):
        return []
    rates = []
    for part in text.split(","):
        match = _RATE.match(part.strip())
        if match is None:
            raise ValueError(f"{part.strip()!r} is not like 10/10m/user or 30/1h/ip")
        seconds = int(match["count"] or 1) * _UNIT_SECONDS[match["unit"]]
        if seconds == 0:
            raise ValueError(f"{part.strip()!r} has a period of 0")
        rates.append(Rate(amount=int(match["amount"]), seconds=seconds, per=match["per"]))
    return rates

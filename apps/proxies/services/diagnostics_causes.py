"""Why a proxy test failed, in plain language: a cause code, what happened, and what to do.
Pure functions over what the test saw (an httpx error or a status) and what the shop knows
(the key's mirror, the upstream audit's gateway_auth_failure reason, the stock feed)."""

import re
import ssl
from dataclasses import dataclass

import httpx

_DNS = re.compile(
    r"name or service not known|nodename nor servname|temporary failure in name resolution|"
    r"no address associated|getaddrinfo failed|name resolution",
    re.IGNORECASE,
)
_TLS = re.compile(r"ssl|tls|certificate|handshake", re.IGNORECASE)


@dataclass(frozen=True)
class Cause:
    code: str
    message: str
    fix: str


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def transport_failure(exc: httpx.HTTPError) -> tuple[str, int | None]:
    """An httpx error as (kind, status): kind is auth, no_stock, timeout, dns, tls, refused or
    network; status is the gateway's HTTP status when it sent one (CONNECT and SOCKS5 refusals)."""
    text = " ".join(str(e) for e in _chain(exc))
    if isinstance(exc, httpx.ProxyError):
        match = re.match(r"\s*(\d{3})\b", str(exc))
        if match:
            status = int(match.group(1))
            return ("auth" if status == 407 else "no_stock" if status in (502, 503) else "network"), status
        if "username/password" in text.lower():
            return "auth", 407
        if "could not connect" in text.lower():
            return "no_stock", 502
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", None
    if any(isinstance(e, ssl.SSLError) for e in _chain(exc)) or (
        isinstance(exc, httpx.ConnectError) and _TLS.search(text)
    ):
        return "tls", None
    if _DNS.search(text):
        return "dns", None
    if "refused" in text.lower():
        return "refused", None
    return "network", None


def status_kind(status: int) -> str:
    if status == 407:
        return "auth"
    if status in (502, 503):
        return "no_stock"
    return "target" if status >= 400 else ""


AUTH_CAUSES = {
    "wrong_secret": Cause(
        "wrong_secret",
        "The gateway refused the password (407): it is not this key's current secret.",
        "Copy the URL again from the dashboard (Reveal shows the current secret) and paste it into your tool.",
    ),
    "regenerated": Cause(
        "regenerated",
        "The gateway refused the password (407): it is the key's old secret, from before it was regenerated.",
        "Regenerating replaces the secret at once. Put the new secret (Reveal on the dashboard) into your tools.",
    ),
    "disabled": Cause(
        "disabled",
        "The gateway refused the key (407): the key is disabled.",
        "The key was switched off by the shop. Contact support to have it enabled again.",
    ),
    "expired": Cause(
        "expired",
        "The gateway refused the key (407): the key has expired.",
        "Buy more time for this key (a purchase extends it); it works again as soon as it is paid.",
    ),
    "over_cap": Cause(
        "over_cap",
        "The gateway refused the key (407): it has used all of its traffic and was suspended.",
        "Top up this key with more gigabytes; it works again right after the purchase.",
    ),
}


def no_stock(*, what: str, countries: list[str]) -> Cause:
    suggestion = (
        f"Try a country with endpoints online now: {', '.join(c.upper() for c in countries)}."
        if countries
        else "No country has endpoints online in this pool right now; try the other pool or again later."
    )
    return Cause(
        "no_stock",
        f"The gateway has no endpoint online for {what} (502).",
        suggestion + " Leaving out the carrier widens the choice.",
    )


def timeout(seconds: float) -> Cause:
    return Cause(
        "timeout",
        f"No answer within {seconds:g} seconds: the gateway or the test site did not respond in time.",
        "Try again; if it keeps timing out, pick another country or check the status panel for incidents.",
    )


def dns(host: str) -> Cause:
    return Cause(
        "dns",
        f"The proxy host name {host!r} could not be resolved (DNS error).",
        "Use the host exactly as the dashboard shows it. If the test here fails too, the shop's DNS has a problem: "
        "contact support.",
    )


def tls(detail: str) -> Cause:
    return Cause(
        "tls",
        f"The secure (HTTPS) connection through the proxy failed: {detail[:200]}",
        "The tunnel was opened but the TLS handshake failed. Check the URL is https:// to a site with a valid "
        "certificate; if your tool fails the same way, check its certificate settings.",
    )


def malformed(detail: str) -> Cause:
    return Cause(
        "malformed_username",
        f"The username is malformed: {detail}",
        "Build the username with the builder: your proxy username, then options separated by '-' "
        "(e.g. mbl-us-sid-alice).",
    )


def refused(host: str, port: int, sandbox: bool) -> Cause:
    fix = (
        "Start the sandbox gateway (`make run` starts it, or `manage.py sandbox_gateway`)."
        if sandbox
        else "Try again in a minute; if it persists, check the status panel or contact support."
    )
    return Cause("gateway_unreachable", f"The gateway at {host}:{port} refused the connection.", fix)


def sandbox_elsewhere(host: str) -> Cause:
    return Cause(
        "gateway_unreachable",
        f"In sandbox mode the test goes to the sandbox gateway on this machine, but the gateway host is {host!r}.",
        "Leave PROXIES_SX_GATEWAY_HOST unset (it is 127.0.0.1 in sandbox mode) and start the sandbox gateway "
        "(`make run` starts it, or `manage.py sandbox_gateway`).",
    )


def network(detail: str) -> Cause:
    return Cause(
        "network",
        f"The connection through the proxy broke: {detail[:200]}",
        "Try again; if it persists, contact support with the time of this test.",
    )


def target(status: int) -> Cause:
    return Cause(
        "target_error",
        f"The proxy worked, but the test site answered HTTP {status}.",
        "The proxy itself is fine; the test site refused or failed this request. Try again later.",
    )


UPSTREAM_UNAVAILABLE = Cause(
    "upstream_unavailable",
    "The test could not start: the proxy network's API did not answer when the key's secret was read.",
    "Try again in a minute.",
)

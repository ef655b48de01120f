"""A proxy endpoint in the forms customers paste into their tools.

- ``url``                  http://user:pass@host:port
- ``host_port_user_pass``  host:port:user:pass   (browser extensions, antidetect browsers)
- ``user_pass_host_port``  user:pass@host:port
- ``curl``, ``python_requests``, ``python_httpx``, ``node``: runnable snippets.

The user and password are the percent-encoded forms everywhere, so a reserved character can
never split a format apart (for ordinary ``psx_``/``pak_`` values encoding changes nothing).
SOCKS5 snippets use the ``socks5h://`` scheme: the gateway resolves host names, so DNS
lookups leave from the proxy's country and not from the customer's machine.
String literals are JSON strings (valid in Python and JavaScript; the URL is pure ASCII);
shell arguments are always single-quoted.
"""

import json
from typing import Protocol


class ProxyEndpoint(Protocol):
    """What the formats need of a proxy (`url.ProxyUrl` has it; url.py imports this module, so
    this one names the shape instead of importing the class)."""

    @property
    def protocol(self) -> str: ...

    @property
    def encoded_username(self) -> str: ...

    @property
    def encoded_secret(self) -> str: ...

    @property
    def hostport(self) -> str: ...

    @property
    def url(self) -> str: ...


DEFAULT_TARGET = "https://api.ipify.org"


def shell_quote(value: str) -> str:
    """POSIX single-quoting; always quoted, so the output does not depend on the content."""
    return "'" + value.replace("'", "'\"'\"'") + "'"


def literal(value: str) -> str:
    return json.dumps(value)


def snippet_url(proxy: ProxyEndpoint) -> str:
    """The URL as client libraries want it (socks5h:// for SOCKS5, see the module docstring)."""
    url = proxy.url
    return "socks5h" + url[len("socks5") :] if proxy.protocol == "socks5" else url


def proxy_formats(proxy: ProxyEndpoint, *, target: str | None = None) -> dict[str, str]:
    target = target or DEFAULT_TARGET
    user, secret = proxy.encoded_username, proxy.encoded_secret
    return {
        "url": proxy.url,
        "host_port_user_pass": f"{proxy.hostport}:{user}:{secret}",
        "user_pass_host_port": f"{user}:{secret}@{proxy.hostport}",
        "curl": curl_snippet(proxy, target),
        "python_requests": python_requests_snippet(proxy, target),
        "python_httpx": python_httpx_snippet(proxy, target),
        "node": node_snippet(proxy, target),
    }


def curl_snippet(proxy: ProxyEndpoint, target: str) -> str:
    return f"curl --proxy {shell_quote(snippet_url(proxy))} {shell_quote(target)}"


def python_requests_snippet(proxy: ProxyEndpoint, target: str) -> str:
    lines = ['# pip install "requests[socks]"'] if proxy.protocol == "socks5" else []
    lines += [
        "import requests",
        "",
        f"proxy = {literal(snippet_url(proxy))}",
        f'response = requests.get({literal(target)}, proxies={{"http": proxy, "https": proxy}}, timeout=30)',
        "print(response.text)",
    ]
    return "\n".join(lines)


def python_httpx_snippet(proxy: ProxyEndpoint, target: str) -> str:
    lines = ['# pip install "httpx[socks]"'] if proxy.protocol == "socks5" else []
    lines += [
        "import httpx",
        "",
        f"proxy = {literal(snippet_url(proxy))}",
        "with httpx.Client(proxy=proxy, timeout=30) as client:",
        f"    print(client.get({literal(target)}).text)",
    ]
    return "\n".join(lines)


def node_snippet(proxy: ProxyEndpoint, target: str) -> str:
    """Node 18+, ES module."""
    if proxy.protocol == "socks5":
        return "\n".join(
            [
                "// npm install socks-proxy-agent",
                'import https from "node:https";',
                'import { SocksProxyAgent } from "socks-proxy-agent";',
                "",
                f"const agent = new SocksProxyAgent({literal(snippet_url(proxy))});",
                f"https.get({literal(target)}, {{ agent }}, (res) => {{",
                '  res.setEncoding("utf8");',
                '  res.on("data", (chunk) => process.stdout.write(chunk));',
                "});",
            ]
        )
    return "\n".join(
        [
            "// npm install undici",
            'import { fetch, ProxyAgent } from "undici";',
            "",
            f"const dispatcher = new ProxyAgent({literal(snippet_url(proxy))});",
            f"const response = await fetch({literal(target)}, {{ dispatcher }});",
            "console.log(await response.text());",
        ]
    )

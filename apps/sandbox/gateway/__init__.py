"""The sandbox gateway: a real forward proxy on loopback that stands in for gw.proxies.sx.

HTTP proxying and HTTPS CONNECT on one port, SOCKS5 on another, and a small echo that answers
for every destination that is not on loopback (the gateway never opens a connection to anything
else). Who may pass is decided by the sandbox upstream's own gateway check, the username is read
with the shop's URL grammar, and the bytes that pass are counted into the key's usage.

    decisions.py  admit a username/password (auth, grammar, stock) and account for traffic
    exits.py      the fake exit identity of a session (sticky sid, rotation, ttl)
    echo.py       the canned answer and the echo server, which knows which exit a connection uses
    server.py     the asyncio servers (HTTP/CONNECT, SOCKS5, echo)

`manage.py sandbox_gateway` runs it; `make run` starts it next to the web server (docs/sandbox.md).
"""

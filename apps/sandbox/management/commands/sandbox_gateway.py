"""Runs the sandbox gateway, a real forward proxy on loopback (docs/sandbox.md):

manage.py sandbox_gateway                          # HTTP + CONNECT on 7000, SOCKS5 on 7001, echo on 7002
manage.py sandbox_gateway --port 7100 --socks-port 7101 --echo-port 7102

`make run` starts it in the background with --watch-pid (it stops when make does) and
--if-sandbox (it does nothing when a real reseller key is configured).
"""

import asyncio
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.gateway.server import SandboxGateway


class Command(BaseCommand):
    help = "Run the sandbox gateway (HTTP/CONNECT and SOCKS5 proxy on loopback, with the local echo)."

    def add_arguments(self, parser):
        ports = settings.PROXIES_SX_GATEWAY_PORTS
        parser.add_argument("--host", default="127.0.0.1", help="A loopback address (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=ports["http"], help="HTTP and CONNECT port.")
        parser.add_argument("--socks-port", type=int, default=ports["socks5"], help="SOCKS5 port.")
        parser.add_argument("--echo-port", type=int, default=settings.SANDBOX_GATEWAY_ECHO_PORT, help="Echo port.")
        parser.add_argument("--watch-pid", type=int, help="Stop when the process with this id has ended.")
        parser.add_argument("--if-sandbox", action="store_true", help="Exit quietly without the sandbox upstream.")

    def handle(self, *args, **options):
        if not settings.PROXIES_SX_SANDBOX and options["if_sandbox"]:
            return
        if not settings.PROXIES_SX_SANDBOX:
            raise CommandError("The sandbox gateway runs only with the sandbox upstream (PROXIES_SX_API_KEY unset).")
        for name in ("port", "socks_port", "echo_port"):
            if not 0 <= options[name] <= 65535:
                raise CommandError(f"--{name.replace('_', '-')} must be a port number from 0 to 65535.")
        try:
            gateway = SandboxGateway(
                host=options["host"],
                http_port=options["port"],
                socks_port=options["socks_port"],
                echo_port=options["echo_port"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            asyncio.run(self._serve(gateway, watch_pid=options["watch_pid"]))
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            raise CommandError(f"The sandbox gateway could not listen: {exc}") from None

    async def _serve(self, gateway: SandboxGateway, *, watch_pid: int | None) -> None:
        ports = await gateway.start()
        self.stdout.write(
            f"Sandbox gateway on {gateway.host}: HTTP/CONNECT {ports.http}, SOCKS5 {ports.socks5}, echo {ports.echo}"
        )
        serving = asyncio.ensure_future(gateway.serve_forever())
        try:
            while not serving.done():
                await asyncio.wait([serving], timeout=1.0)
                if watch_pid and not _alive(watch_pid):
                    break
        finally:
            serving.cancel()
            await gateway.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

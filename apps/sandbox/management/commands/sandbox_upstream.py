"""Runs the sandbox upstream as a real HTTP server on loopback, so another process can point
PROXIES_SX_API_URL at it:

    manage.py sandbox_upstream --port 8765 --latency-ms 150 --error-rate 0.05 --seed 7
"""

import ipaddress
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from apps.sandbox.upstream import faults
from apps.sandbox.upstream.cli import add_fault_arguments, apply_fault_options, describe_faults
from apps.sandbox.upstream.server import SandboxHTTPServer


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = "Serve the sandbox Pool Gateway API over HTTP (loopback by default)."
    # For tests that run the command on a thread: a callback given the server once it listens,
    # and database connections to share with the server's threads.
    stealth_options = ("on_ready", "connections_override")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port.")
        parser.add_argument("--allow-remote", action="store_true", help="Allow a non-loopback --host.")
        parser.add_argument(
            "--hang-seconds", type=float, default=60.0, help="How long a `timeout` drop holds the connection silent."
        )
        parser.add_argument(
            "--keep-faults",
            action="store_true",
            help="Keep the faults stored by an earlier run instead of starting clean.",
        )
        add_fault_arguments(parser)

    def handle(self, *args, **options):
        host = options["host"]
        if not _is_loopback(host) and not options["allow_remote"]:
            raise CommandError(f"{host} is not a loopback address; pass --allow-remote to listen on it anyway.")
        override = options.get("connections_override") or {}
        for alias, connection in override.items():
            connections[alias] = connection
        try:
            if not options["keep_faults"]:
                faults.faults_clear()
            apply_fault_options(options)
            summary = describe_faults()
        except DatabaseError as exc:
            raise CommandError(f"The sandbox tables are not ready ({exc}); run `manage.py migrate` first.") from None
        finally:
            _close_own_connections(override)  # request threads open their own
        try:
            server = SandboxHTTPServer(
                (host, options["port"]), hang_seconds=options["hang_seconds"], connections_override=override
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{options['port']}: {exc}") from None
        self.stdout.write(f"Sandbox upstream listening on {server.base_url}")
        self.stdout.write("Auth: X-API-Key = settings.PROXIES_SX_SANDBOX_API_KEY. Faults: " + summary)
        self.stdout.flush()
        if options.get("on_ready"):
            options["on_ready"](server)
        stop = _stop_on_sigterm()
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            server.server_close()
            stop()


def _close_own_connections(override: dict) -> None:
    for connection in connections.all(initialized_only=True):
        if connection.alias not in override:
            connection.close()


def _stop_on_sigterm():
    """Lets `kill` stop the server cleanly (closing its database connections). Only the main
    thread can own a signal handler; on another thread (tests) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)

"""Helpers that http_load.py runs as separate processes (each with the server's environment):

_http_helpers.py upstream PORT   the sandbox upstream over real HTTP, counting every request
                                 (GET /__bench/calls returns the counts as JSON)
_http_helpers.py customer        a busy customer (issue 17's: 20 keys, 200 orders, 50 live
                                 sessions) whose first plan was bought through the sandbox
                                 checkout (a real mint upstream), logged in: prints the session
                                 cookie and an API key (read scope) for the API's endpoints
"""

import json
import sys
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def serve_counting_upstream(port: int) -> None:
    import django

    django.setup()
    from apps.sandbox.upstream import server

    calls: Counter[str] = Counter()
    lock = threading.Lock()
    original = server.SandboxRequestHandler._serve

    def counting(self):
        if self.path.startswith("/__bench/calls"):
            with lock:
                body = json.dumps(calls).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        with lock:
            calls[f"{self.command} {self.path.split('?')[0]}"] += 1
        return original(self)

    handler = server.SandboxRequestHandler
    handler.do_GET = handler.do_POST = handler.do_PATCH = handler.do_PUT = handler.do_DELETE = counting
    httpd = server.SandboxHTTPServer(("127.0.0.1", port))
    print(f"counting upstream on {httpd.base_url}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()


def make_customer() -> None:
    import django

    django.setup()
    from decimal import Decimal

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from apps.accounts.services import api_key_create
    from apps.billing.models import Order, Plan
    from apps.billing.services import checkout_start
    from apps.sandbox.payments.checkout import Outcome, sandbox_session_act
    from apps.sandbox.payments.models import SandboxCheckoutSession

    plan, _ = Plan.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "gb": Decimal(5), "price": Decimal("35.00"), "validity_days": 30}
    )
    user = get_user_model().objects.create_user(email="bench-dashboard@example.com", password="bench-password-1")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    start = checkout_start(customer=user, plan=plan)
    session = SandboxCheckoutSession.objects.get(order=start.order)
    sandbox_session_act(session_id=session.id, outcome=Outcome.PAY)
    order = Order.objects.get(pk=start.order.pk)
    if order.status != Order.Status.PROVISIONED:
        raise SystemExit(f"the bench order was not provisioned: {order.status} {order.failure_reason}")
    # The same load as tests/proxies/test_dashboard_cost.py: 19 more keys minted on the upstream
    # over HTTP (the newest gets the 50 live sessions), 199 more orders.
    from apps.proxies.selectors import pool_key_list_for_customer
    from tests.proxies.support import add_busy_load, mint_key

    keys = [*pool_key_list_for_customer(customer=user), *(mint_key(user) for _ in range(19))]
    add_busy_load(user, keys=keys, plan=plan, orders=199)
    client = Client()
    client.force_login(user)
    _key, api_key = api_key_create(customer=user, name="bench", scopes=["read"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    print(json.dumps({"name": settings.SESSION_COOKIE_NAME, "value": cookie, "api_key": api_key}))


if __name__ == "__main__":
    if sys.argv[1] == "upstream":
        serve_counting_upstream(int(sys.argv[2]))
    elif sys.argv[1] == "customer":
        make_customer()
    else:
        raise SystemExit(__doc__)

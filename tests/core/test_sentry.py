"""Optional Sentry: off without SENTRY_DSN; with it, events leave with secrets masked and no PII.

Runs in a child process: Sentry's integrations patch Django and Celery for the whole process."""

import json

from .subprocesses import load_settings

SECRETS = ["psx_" + "live0123456789abcdef", "pak_" + "0123456789abcdefabcd", "sk_live_" + "abcdef0123456789"]
CAPTURE = """
import json, logging, sentry_sdk
from sentry_sdk.transport import Transport
sent = []
class Capture(Transport):
    def capture_envelope(self, envelope):
        sent.append(envelope.serialize().decode("utf-8", "replace"))
from apps.core.sentry import sentry_init
sentry_init(dsn="https://public@o0.ingest.sentry.io/1", environment="test", traces_sample_rate=0.0, transport=Capture)
SECRETS = {secrets!r}
logging.getLogger("apps.proxies").error("upstream rejected %s for %s", SECRETS[0], SECRETS[1])
def fail(token=SECRETS[2]):
    raise RuntimeError("stripe said no to " + token)
try:
    fail()
except RuntimeError:
    sentry_sdk.capture_exception()
sentry_sdk.flush()
print(json.dumps(sent))
"""


def test_without_a_dsn_sentry_is_not_initialised():
    result = load_settings(
        settings="storefront.settings.local",
        env={},
        code="import sentry_sdk; print(sentry_sdk.get_client().is_active())",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_sentry_events_carry_no_secret(tmp_path):
    result = load_settings(settings="storefront.settings.local", env={}, code=CAPTURE.format(secrets=SECRETS))

    assert result.returncode == 0, result.stderr
    envelopes = json.loads(result.stdout.strip().splitlines()[-1])
    joined = "\n".join(envelopes)
    assert len(envelopes) == 2  # the logged error and the exception
    assert "upstream rejected psx_" in joined and "stripe said no to sk_" in joined
    for secret in SECRETS:
        assert secret not in joined


def test_an_invalid_dsn_is_a_clear_configuration_error():
    result = load_settings(settings="storefront.settings.local", env={"SENTRY_DSN": "not a dsn"}, code="")

    assert result.returncode != 0
    assert "SENTRY_DSN is not a valid Sentry DSN" in result.stderr.strip().splitlines()[-1]

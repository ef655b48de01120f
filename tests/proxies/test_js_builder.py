"""The browser's URL builder (static/js/proxy-url.js) against the Python one.

1. Node's own test runner checks the JS builder against the shared vectors.
2. Random option sets (reserved and non-ASCII characters in the reseller name and secret
   included) are built by both; every format must match character for character.
Skipped, with the reason, where `node` is not installed.
"""

import json
import random
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from apps.proxies.urlgrammar import ROTATIONS, ProxyOptions, ProxyUrlError, build_proxy_url

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed; the JS builder cannot run here")

COMPARE = r"""
const ProxyUrl = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map((c) => {
  try {
    const p = ProxyUrl.build(c);
    return { username: p.username, formats: p.formats() };
  } catch (e) {
    return { error: e.field || String(e) };
  }
});
process.stdout.write(JSON.stringify(out));
"""


def test_js_builder_reproduces_the_shared_vectors():
    result = subprocess.run(
        [NODE, "--test", str(ROOT / "tests/proxies/test_js_builder_vectors.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def _random_case(rng: random.Random) -> dict:
    word = string.ascii_letters + string.digits + "_"
    wild = word + "-.~!*'()@:/%?# éü€"

    def maybe(chars, max_len):
        return "".join(rng.choice(chars) for _ in range(rng.randint(1, max_len))) if rng.random() < 0.6 else None

    return {
        "reseller": "psx_" + "".join(rng.choice(word + "!*'()@:é") for _ in range(rng.randint(1, 10))),
        "secret": "pak_" + "".join(rng.choice(wild.replace(" ", "")) for _ in range(rng.randint(1, 30))),
        "host": rng.choice(["gw.proxies.sx", "edge-eu.proxies.sx", "127.0.0.1", "[::1]"]),
        "port": rng.choice([None, None, 8080]),
        "options": {
            "pool": rng.choice(["mbl", "peer", "any", "MBL"]),
            "country": rng.choice([None, "us", "DE", "gb", "br"]),
            "carrier": maybe(word, 12),
            "city": maybe(word, 12),
            "sid": maybe(word, 40),
            "rotation": rng.choice(ROTATIONS),
            "ttl": rng.choice([None, 60, 3600, 2_592_000]),
            "protocol": rng.choice(["http", "socks5"]),
        },
    }


def _python(case: dict) -> dict:
    try:
        proxy = build_proxy_url(
            secret=case["secret"],
            options=ProxyOptions(**case["options"]),
            reseller_username=case["reseller"],
            host=case["host"],
            port=case["port"],
        )
    except ProxyUrlError as exc:
        return {"error": exc.field}
    return {"username": proxy.username, "formats": proxy.formats()}


def test_js_and_python_builders_agree_on_random_inputs():
    rng = random.Random(20240531)
    cases = [_random_case(rng) for _ in range(400)]
    result = subprocess.run(
        [NODE, "-e", COMPARE, str(ROOT / "static/js/proxy-url.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    js = json.loads(result.stdout)
    mismatches = [(case, _python(case), got) for case, got in zip(cases, js, strict=True) if _python(case) != got]
    assert not mismatches, mismatches[:3]
    assert sum("error" not in r for r in js) > 300  # mostly valid inputs, so formats were compared

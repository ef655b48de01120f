// Runs under Node's built-in test runner: `node --test tests/proxies/test_js_builder_vectors.mjs`
// (tests/proxies/test_js_builder.py does that from pytest). static/js/proxy-url.js must
// reproduce every shared vector that the Python builder reproduces, character for character.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ProxyUrl = require(join(here, "..", "..", "static", "js", "proxy-url.js"));
const load = (name) => JSON.parse(readFileSync(join(here, "vectors", name), "utf8"));

function buildVector(v) {
  return ProxyUrl.build({
    reseller: v.reseller_username,
    secret: v.secret,
    host: v.host,
    port: v.port,
    options: v.options,
  });
}

for (const v of load("proxy_urls.json")) {
  test(`builds: ${v.name}`, () => {
    const proxy = buildVector(v);
    assert.equal(proxy.username, v.expected.username);
    assert.equal(proxy.url, v.expected.url);
    assert.deepEqual(proxy.formats(), v.expected.formats);
  });
}

for (const v of load("proxy_url_errors.json")) {
  test(`refuses: ${v.name}`, () => {
    assert.throws(
      () => buildVector(v),
      (error) => {
        assert.ok(error instanceof ProxyUrl.ProxyUrlError, `not a ProxyUrlError: ${error}`);
        assert.equal(error.field, v.error.field);
        assert.ok(
          error.message.includes(v.error.message_contains),
          `${JSON.stringify(error.message)} lacks ${JSON.stringify(v.error.message_contains)}`,
        );
        return true;
      },
    );
  });
}

test("masking swaps only the placeholder secret", () => {
  const proxy = ProxyUrl.build({
    reseller: "psx_abc123",
    secret: "pak_0masked0secret0",
    host: "gw.proxies.sx",
    options: { sid: "abcd1234_x1", rotation: "sticky" },
  });
  assert.equal(proxy.encodedSecret, "pak_0masked0secret0");
});

/*
 * The proxy URL grammar of the Pool Gateway, in the browser. A line-for-line mirror of
 * apps/proxies/urlgrammar (options.py, url.py, formats.py): both must give identical
 * strings, which tests/proxies/vectors/proxy_urls.json checks for each of them.
 *
 *   ProxyUrl.build({ reseller: "psx_ab12", secret: "pak_…", host: "gw.proxies.sx",
 *                    options: { country: "us", sid: "alice", rotation: "sticky" } })
 *   -> { url, username, encodedUsername, encodedSecret, hostport, protocol, formats() }
 *
 * Works as a classic <script> (window.ProxyUrl) and under Node's test runner (require()).
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.ProxyUrl = api;
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  var POOLS = ["mbl", "peer", "any"];
  var ROTATIONS = ["none", "auto5", "auto10", "auto20", "auto30", "auto60", "ondemand", "sticky", "hard"];
  var PROTOCOLS = ["http", "socks5"];
  var DEFAULT_PORTS = { http: 7000, socks5: 7001 };
  var TTL_MIN = 60;
  var TTL_MAX = 2592000;
  var NAME_MAX = 32;
  var SID_MAX = 64;
  var DEFAULT_TARGET = "https://api.ipify.org";
  var WORD = /^[A-Za-z0-9_]+$/;
  var CONTROL = /[\x00-\x20\x7f]/;
  var LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  var HOST = new RegExp("^(?=.{1,253}$)" + LABEL + "(?:\\." + LABEL + ")*$");
  var IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

  function ProxyUrlError(field, message) {
    this.name = "ProxyUrlError";
    this.field = field;
    this.message = message;
  }
  ProxyUrlError.prototype = Object.create(Error.prototype);
  ProxyUrlError.prototype.constructor = ProxyUrlError;
  ProxyUrlError.prototype.toString = function () {
    return this.field + ": " + this.message;
  };

  // Python's repr() for the values a form can hand us, for identical error messages.
  function show(value) {
    var text;
    if (value === null || value === undefined) {
      text = "None";
    } else if (typeof value === "string") {
      text = value.indexOf("'") !== -1 && value.indexOf('"') === -1 ? '"' + value + '"' : "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
    } else if (typeof value === "boolean") {
      text = value ? "True" : "False";
    } else {
      text = String(value);
    }
    return text.length <= 40 ? text : text.slice(0, 37) + "...";
  }

  function isBlank(value) {
    return value === null || value === undefined || value === "";
  }

  function choice(field, value, allowed) {
    if (typeof value === "string" && allowed.indexOf(value.trim().toLowerCase()) !== -1) {
      return value.trim().toLowerCase();
    }
    throw new ProxyUrlError(field, "must be one of " + allowed.join(", ") + "; got " + show(value) + ".");
  }

  function country(value) {
    if (isBlank(value)) return null;
    if (typeof value !== "string") {
      throw new ProxyUrlError("country", "must be a two-letter country code; got " + show(value) + ".");
    }
    var code = value.trim().toLowerCase();
    if (/^[a-z]{3}$/.test(code)) {
      throw new ProxyUrlError(
        "country",
        "use the two-letter ISO 3166-1 code (e.g. 'us', 'de'), not the three-letter " + show(value) + "."
      );
    }
    if (!/^[a-z]{2}$/.test(code)) {
      throw new ProxyUrlError("country", "must be a two-letter ISO 3166-1 code such as 'us'; got " + show(value) + ".");
    }
    return code;
  }

  function word(field, value, maxLength) {
    if (isBlank(value)) return null;
    if (typeof value !== "string") throw new ProxyUrlError(field, "must be text; got " + show(value) + ".");
    var length = Array.from(value).length; // Python counts code points
    if (length > maxLength) {
      throw new ProxyUrlError(field, "must be at most " + maxLength + " characters; got " + length + ".");
    }
    if (!WORD.test(value)) {
      var hint = value.indexOf("-") !== -1 ? " ('-' separates username tokens; use '_' instead)" : "";
      throw new ProxyUrlError(field, "may contain only letters, digits and '_'" + hint + "; got " + show(value) + ".");
    }
    return value;
  }

  function ttl(value) {
    if (isBlank(value)) return null;
    if (typeof value === "string" && /^\s*[0-9]+\s*$/.test(value)) value = parseInt(value, 10);
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new ProxyUrlError("ttl", "must be a whole number of seconds; got " + show(value) + ".");
    }
    if (value < TTL_MIN || value > TTL_MAX) {
      throw new ProxyUrlError("ttl", "must be between " + TTL_MIN + " and " + TTL_MAX + " seconds (30 days); got " + value + ".");
    }
    return value;
  }

  /* Validated, normalised options (the ProxyOptions dataclass). */
  function options(raw) {
    raw = raw || {};
    var pick = function (name, fallback) {
      return raw[name] === undefined ? fallback : raw[name];
    };
    return {
      pool: choice("pool", pick("pool", "mbl"), POOLS),
      country: country(pick("country", null)),
      carrier: word("carrier", pick("carrier", null), NAME_MAX),
      city: word("city", pick("city", null), NAME_MAX),
      sid: word("sid", pick("sid", null), SID_MAX),
      rotation: choice("rotation", pick("rotation", "none"), ROTATIONS),
      ttl: ttl(pick("ttl", null)),
      protocol: choice("protocol", pick("protocol", "http"), PROTOCOLS),
    };
  }

  function tokens(opts) {
    var out = [opts.pool];
    if (opts.country) out.push(opts.country);
    [["carrier", opts.carrier], ["city", opts.city], ["sid", opts.sid]].forEach(function (pair) {
      if (pair[1]) out.push(pair[0], pair[1]);
    });
    if (opts.rotation !== "none") out.push("rot", opts.rotation);
    if (opts.ttl !== null) out.push("ttl", String(opts.ttl));
    return out;
  }

  /* RFC 3986 userinfo: all but A-Z a-z 0-9 - . _ ~ as %XX of the UTF-8 bytes (Python's quote(safe="")). */
  function encodeUserinfo(value) {
    var bytes = new TextEncoder().encode(value);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      var unreserved =
        (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
        b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
      out += unreserved ? String.fromCharCode(b) : "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
    }
    return out;
  }

  function checkReseller(value) {
    if (typeof value !== "string" || !value) {
      throw new ProxyUrlError("reseller_username", "is missing (set PROXIES_SX_USERNAME).");
    }
    if (value.indexOf("-") !== -1 || CONTROL.test(value)) {
      throw new ProxyUrlError("reseller_username", "must not contain '-', spaces or control characters.");
    }
  }

  /* build({reseller, secret, host, port?, options}) -> the ProxyUrl record. */
  function build(args) {
    var opts = options(args.options);
    var reseller = args.reseller;
    var secret = args.secret;
    var host = args.host;
    var port = args.port === undefined || args.port === null ? DEFAULT_PORTS[opts.protocol] : args.port;
    checkReseller(reseller);
    if (typeof secret !== "string" || !secret || CONTROL.test(secret)) {
      throw new ProxyUrlError("secret", "must be non-empty, without spaces or control characters.");
    }
    if (typeof host !== "string" || !(HOST.test(host) || IPV6.test(host))) {
      throw new ProxyUrlError("host", "must be a host name or IP address; got " + show(host) + ".");
    }
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ProxyUrlError("port", "must be a whole number from 1 to 65535; got " + show(port) + ".");
    }
    var username = [reseller].concat(tokens(opts)).join("-");
    var record = {
      options: opts,
      protocol: opts.protocol,
      host: host,
      port: port,
      username: username,
      encodedUsername: encodeUserinfo(username),
      encodedSecret: encodeUserinfo(secret),
      hostport: host + ":" + port,
    };
    record.url = record.protocol + "://" + record.encodedUsername + ":" + record.encodedSecret + "@" + record.hostport;
    record.formats = function (target) {
      return formats(record, target);
    };
    return record;
  }

  // ---- formats (formats.py) ------------------------------------------------------------

  function shellQuote(value) {
    return "'" + value.split("'").join("'\"'\"'") + "'";
  }

  /* json.dumps(value) with Python's defaults (ensure_ascii): identical in Python and JS. */
  function literal(value) {
    var out = '"';
    for (var i = 0; i < value.length; i++) {
      var ch = value.charAt(i);
      var code = value.charCodeAt(i);
      if (ch === '"') out += '\\"';
      else if (ch === "\\") out += "\\\\";
      else if (ch === "\n") out += "\\n";
      else if (ch === "\r") out += "\\r";
      else if (ch === "\t") out += "\\t";
      else if (ch === "\b") out += "\\b";
      else if (ch === "\f") out += "\\f";
      else if (code < 0x20 || code > 0x7e) out += "\\u" + ("0000" + code.toString(16)).slice(-4);
      else out += ch;
    }
    return out + '"';
  }

  function snippetUrl(proxy) {
    return proxy.protocol === "socks5" ? "socks5h" + proxy.url.slice("socks5".length) : proxy.url;
  }

  function curlSnippet(proxy, target) {
    return "curl --proxy " + shellQuote(snippetUrl(proxy)) + " " + shellQuote(target);
  }

  function pythonRequestsSnippet(proxy, target) {
    var lines = proxy.protocol === "socks5" ? ['# pip install "requests[socks]"'] : [];
    return lines
      .concat([
        "import requests",
        "",
        "proxy = " + literal(snippetUrl(proxy)),
        "response = requests.get(" + literal(target) + ', proxies={"http": proxy, "https": proxy}, timeout=30)',
        "print(response.text)",
      ])
      .join("\n");
  }

  function pythonHttpxSnippet(proxy, target) {
    var lines = proxy.protocol === "socks5" ? ['# pip install "httpx[socks]"'] : [];
    return lines
      .concat([
        "import httpx",
        "",
        "proxy = " + literal(snippetUrl(proxy)),
        "with httpx.Client(proxy=proxy, timeout=30) as client:",
        "    print(client.get(" + literal(target) + ").text)",
      ])
      .join("\n");
  }

  function nodeSnippet(proxy, target) {
    if (proxy.protocol === "socks5") {
      return [
        "// npm install socks-proxy-agent",
        'import https from "node:https";',
        'import { SocksProxyAgent } from "socks-proxy-agent";',
        "",
        "const agent = new SocksProxyAgent(" + literal(snippetUrl(proxy)) + ");",
        "https.get(" + literal(target) + ", { agent }, (res) => {",
        '  res.setEncoding("utf8");',
        '  res.on("data", (chunk) => process.stdout.write(chunk));',
        "});",
      ].join("\n");
    }
    return [
      "// npm install undici",
      'import { fetch, ProxyAgent } from "undici";',
      "",
      "const dispatcher = new ProxyAgent(" + literal(snippetUrl(proxy)) + ");",
      "const response = await fetch(" + literal(target) + ", { dispatcher });",
      "console.log(await response.text());",
    ].join("\n");
  }

  function formats(proxy, target) {
    target = target || DEFAULT_TARGET;
    var user = proxy.encodedUsername;
    var secret = proxy.encodedSecret;
    return {
      url: proxy.url,
      host_port_user_pass: proxy.hostport + ":" + user + ":" + secret,
      user_pass_host_port: user + ":" + secret + "@" + proxy.hostport,
      curl: curlSnippet(proxy, target),
      python_requests: pythonRequestsSnippet(proxy, target),
      python_httpx: pythonHttpxSnippet(proxy, target),
      node: nodeSnippet(proxy, target),
    };
  }

  return {
    POOLS: POOLS,
    ROTATIONS: ROTATIONS,
    PROTOCOLS: PROTOCOLS,
    DEFAULT_PORTS: DEFAULT_PORTS,
    TTL_MIN: TTL_MIN,
    TTL_MAX: TTL_MAX,
    SID_MAX: SID_MAX,
    DEFAULT_TARGET: DEFAULT_TARGET,
    ProxyUrlError: ProxyUrlError,
    options: options,
    tokens: tokens,
    encodeUserinfo: encodeUserinfo,
    build: build,
    formats: formats,
    shellQuote: shellQuote,
    literal: literal,
  };
});

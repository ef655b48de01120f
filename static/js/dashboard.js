/*
 * The customer dashboard, progressively enhanced. Without this script every part still works
 * through plain POST forms; with it the URL builder updates live, copy buttons copy, the
 * secret is revealed in place and bulk lists are generated in the browser.
 *
 * The secret: the page does not hold it until the customer reveals it (or presses a copy
 * button, which reads it through the same audited POST). It is kept in memory only, never in
 * a URL or storage. Strings shown on screen carry the masked hint unless it was revealed.
 */
(function () {
  "use strict";

  var ProxyUrl = window.ProxyUrl;

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }
  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  // Progressive enhancement switches.
  $all("[data-js-only]").forEach(function (el) {
    el.hidden = false;
  });
  $all(".no-js-only").forEach(function (el) {
    el.hidden = true;
  });
  $all("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () {
      window.print();
    });
  });

  var config = readJson("builder-config");
  var stock = readJson("stock-data") || {};
  var state = {
    secret: config && config.secret ? config.secret : null,
    revealed: !!(config && config.secret),
  };
  var statusNode = $("#builder-status");

  function announce(text, isError) {
    if (!statusNode) return;
    statusNode.textContent = text;
    statusNode.classList.toggle("is-error", !!isError);
  }

  function randomPart(length) {
    var alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    var bytes = new Uint8Array(length);
    window.crypto.getRandomValues(bytes);
    var out = "";
    for (var i = 0; i < length; i++) out += alphabet.charAt(bytes[i] % alphabet.length);
    return out;
  }

  function mask(text) {
    return state.revealed ? text : text.split(config.placeholder).join(config.hint);
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ---- the secret ------------------------------------------------------------------------

  var revealForm = $("#reveal-form");
  var secretNode = $("#secret-value");
  var hideButton = $("#hide-button");
  var pendingSecret = null;

  function fetchSecret() {
    if (state.secret) return Promise.resolve(state.secret);
    if (pendingSecret) return pendingSecret;
    if (!revealForm) return Promise.reject(new Error("Reveal is not available."));
    pendingSecret = fetch(revealForm.action, {
      method: "POST",
      body: new FormData(revealForm),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(revealForm) },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok || !body.secret) throw new Error(body.error || "The secret could not be read.");
          state.secret = body.secret;
          return body.secret;
        });
      })
      .finally(function () {
        pendingSecret = null;
      });
    return pendingSecret;
  }

  function showSecret(revealed) {
    state.revealed = revealed;
    if (secretNode) secretNode.textContent = revealed ? state.secret : secretNode.getAttribute("data-masked");
    if (revealForm) revealForm.hidden = revealed;
    if (hideButton) {
      // With the reveal form on the page "Hide" goes back to it; without (the server already
      // showed the secret) the button toggles.
      hideButton.hidden = !revealed && !!revealForm;
      hideButton.textContent = revealed ? "Hide" : "Show";
    }
    $all("[data-secret-note]").forEach(function (note) {
      note.textContent = note.getAttribute(revealed ? "data-shown-text" : "data-hidden-text");
    });
    updateBuilder();
    renderBulk();
  }

  if (revealForm) {
    revealForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = revealForm.querySelector("button");
      if (button) button.disabled = true;
      fetchSecret()
        .then(function () {
          showSecret(true);
          announce("Secret revealed.");
          if (hideButton) hideButton.focus();
        })
        .catch(function (error) {
          announce(error.message, true);
        })
        .finally(function () {
          if (button) button.disabled = false;
        });
    });
  }
  if (hideButton) {
    hideButton.addEventListener("click", function () {
      showSecret(!state.revealed);
      announce(state.revealed ? "Secret shown." : "Secret hidden.");
      var button = revealForm && revealForm.querySelector("button");
      if (button && !state.revealed) button.focus();
    });
    if (state.revealed) hideButton.hidden = false;
  }

  // ---- country options from live stock -------------------------------------------------

  function countryLabel(option, pool) {
    var name = option.getAttribute("data-name");
    if (!name) {
      name = option.textContent.split(" — ")[0];
      option.setAttribute("data-name", name);
    }
    var counts = stock[option.value];
    if (!counts) return name;
    var n = counts[pool === "peer" ? "peer" : "mbl"] || 0;
    return n === 0 ? name + " — none online" : name + " — " + n.toLocaleString("en-US") + " online";
  }

  function refreshCountries(select, pool) {
    if (!select) return;
    var known = {};
    $all("option", select).forEach(function (option) {
      known[option.value] = true;
      if (!option.value) return;
      option.textContent = countryLabel(option, pool);
      option.toggleAttribute("data-none", !!stock[option.value] && !stock[option.value][pool === "peer" ? "peer" : "mbl"]);
    });
    Object.keys(stock).forEach(function (code) {
      if (known[code]) return;
      var option = document.createElement("option");
      option.value = code;
      option.setAttribute("data-name", code.toUpperCase() + " (" + code.toUpperCase() + ")");
      option.textContent = countryLabel(option, pool);
      select.appendChild(option);
    });
  }

  // ---- the URL builder -----------------------------------------------------------------

  var builderForm = $("#builder-form");

  function checkedValue(form, name) {
    var node = form.querySelector("input[name=" + name + "]:checked");
    return node ? node.value : "";
  }

  function builderOptions() {
    var f = builderForm;
    var part = f.elements.sid_part.value.trim();
    return {
      pool: checkedValue(f, "pool") || "mbl",
      country: f.elements.country.value,
      // The residential pool has no carriers: its field is hidden and never sent.
      carrier: checkedValue(f, "pool") === "peer" ? "" : f.elements.carrier.value.trim(),
      city: f.elements.city.value.trim(),
      sid: part ? config.tag + "_" + part : "",
      rotation: checkedValue(f, "rotation") || "none",
      ttl: f.elements.ttl.value,
      protocol: checkedValue(f, "protocol") || "http",
    };
  }

  var fieldFor = { sid: "sid_part", country: "country", carrier: "carrier", city: "city", ttl: "ttl" };

  function build(options, secret) {
    return ProxyUrl.build({ reseller: config.username, host: config.host, secret: secret, options: options });
  }

  // An invalid field: its message under it, every output blank and every copy button off,
  // so nothing stale (the last valid URL) can be read or copied.
  function showBuilderError(error) {
    var field = builderForm.elements[fieldFor[error.field] || ""];
    if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
    var slot = $('[data-error-for="' + error.field + '"]', builderForm);
    if (slot) {
      slot.textContent = error.message;
      slot.hidden = false;
    }
    config.formats.forEach(function (name) {
      var node = document.getElementById("out-" + name);
      if (node) node.textContent = "";
    });
    setCopyEnabled(false);
    announce("Check " + (error.field === "sid" ? "the session id" : "the " + error.field) + ": " + error.message, true);
  }

  function setCopyEnabled(enabled) {
    $all("#builder button[data-copy]").forEach(function (button) {
      button.disabled = !enabled;
    });
  }

  function updateBuilderHints(options) {
    var carrierField = $("#carrier-field");
    if (carrierField) carrierField.hidden = options.pool === "peer";
    var sidNote = $("#sid-no-effect");
    if (sidNote) sidNote.hidden = !(options.rotation === "hard" && options.sid);
  }

  function updateBuilder() {
    if (!builderForm || !config) return;
    $all("[aria-invalid]", builderForm).forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    $all("[data-error-for]", builderForm).forEach(function (el) {
      el.textContent = "";
      el.hidden = true;
    });
    var options = builderOptions();
    updateBuilderHints(options);
    var proxy;
    try {
      proxy = build(options, state.revealed ? state.secret : config.placeholder);
    } catch (error) {
      if (!(error instanceof ProxyUrl.ProxyUrlError)) throw error;
      showBuilderError(error);
      return;
    }
    announce("");
    setCopyEnabled(true);
    var texts = proxy.formats();
    config.formats.forEach(function (name) {
      var node = document.getElementById("out-" + name);
      if (node) node.textContent = mask(texts[name]);
    });
    var none = $("#country-none");
    if (none) {
      var counts = stock[options.country];
      none.hidden = !(options.country && counts && !counts[options.pool === "peer" ? "peer" : "mbl"]);
    }
  }

  // Carriers and cities are suggested for the chosen country only, from one file the browser
  // caches (its address changes with its content).
  var suggestions = null;

  function fillList(id, values) {
    var list = document.getElementById(id);
    if (!list) return;
    while (list.firstChild) list.removeChild(list.firstChild);
    (values || []).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      list.appendChild(option);
    });
  }

  function refreshSuggestions() {
    if (!suggestions || !builderForm) return;
    var forCountry = suggestions[builderForm.elements.country.value] || {};
    fillList("carrier-list", forCountry.carriers);
    fillList("city-list", forCountry.cities);
  }

  if (builderForm && config && config.suggestions && window.fetch) {
    window
      .fetch(config.suggestions, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        suggestions = data;
        refreshSuggestions();
      })
      .catch(function () {});
  }

  if (builderForm && config) {
    builderForm.addEventListener("input", updateBuilder);
    builderForm.addEventListener("change", function (event) {
      if (event.target.name === "pool") refreshCountries(builderForm.elements.country, event.target.value);
      if (event.target.name === "country") refreshSuggestions();
      updateBuilder();
    });
    builderForm.addEventListener("submit", function (event) {
      // Everything happens live; a submit (Enter in a field) only re-renders what is there.
      event.preventDefault();
      updateBuilder();
    });
    var randomButton = $("#random-sid");
    if (randomButton) {
      randomButton.addEventListener("click", function (event) {
        event.preventDefault();
        builderForm.elements.sid_part.value = randomPart(8);
        updateBuilder();
        announce("New session id: " + config.tag + "_" + builderForm.elements.sid_part.value);
      });
    }
    refreshCountries(builderForm.elements.country, checkedValue(builderForm, "pool"));
    updateBuilder();
  }

  // ---- bulk ------------------------------------------------------------------------------

  var bulkForm = $("#bulk-form");
  var bulkOutput = $("#bulk-output");
  var bulkSummary = $("#bulk-summary");
  var bulkShown = bulkOutput && bulkOutput.value.trim() !== "";

  function bulkField(name) {
    return bulkForm.elements["bulk-" + name];
  }

  function bulkList(secret) {
    var count = parseInt(bulkField("count").value, 10);
    if (!(count >= 1 && count <= 1000)) throw new ProxyUrl.ProxyUrlError("count", "choose 1 to 1,000 URLs.");
    var seed = bulkField("seed").value;
    var lines = [];
    for (var n = 1; n <= count; n++) {
      var options = {
        pool: bulkField("pool").value,
        country: bulkField("country").value,
        sid: config.tag + "_" + seed + ("000" + n).slice(-4),
        rotation: bulkField("rotation").value,
        ttl: bulkField("ttl").value,
        protocol: bulkField("protocol").value,
      };
      lines.push(build(options, secret).url);
    }
    return lines;
  }

  function renderBulk() {
    if (!bulkForm || !bulkShown) return;
    try {
      var lines = bulkList(state.revealed ? state.secret : config.placeholder).map(mask);
      bulkOutput.value = lines.join("\n") + "\n";
      bulkSummary.textContent = lines.length + " URL" + (lines.length === 1 ? "" : "s");
    } catch (error) {
      if (!(error instanceof ProxyUrl.ProxyUrlError)) throw error;
      bulkSummary.textContent = "Check the " + error.field + ": " + error.message;
    }
  }

  if (bulkForm && config) {
    var rotationHelp = $("#bulk-rotation-help");
    bulkForm.addEventListener("change", function (event) {
      if (event.target === bulkField("pool")) refreshCountries(bulkField("country"), event.target.value);
      if (event.target === bulkField("rotation") && rotationHelp) {
        rotationHelp.textContent = event.target.selectedOptions[0].getAttribute("data-help") || "";
      }
      renderBulk();
    });
    bulkForm.addEventListener("input", renderBulk);
    $("#bulk-generate").addEventListener("click", function (event) {
      event.preventDefault();
      bulkShown = true;
      renderBulk();
      bulkOutput.focus();
    });
    $("#bulk-reseed").addEventListener("click", function (event) {
      event.preventDefault();
      bulkField("seed").value = randomPart(6);
      renderBulk();
      bulkSummary.textContent += " · new session ids";
    });
    bulkForm.addEventListener("submit", function (event) {
      // Enter in a field generates; the download buttons submit for real (POST, attachment).
      var submitter = event.submitter;
      if (!submitter || submitter.value === "preview") {
        event.preventDefault();
        bulkShown = true;
        renderBulk();
      }
    });
    refreshCountries(bulkField("country"), bulkField("pool").value);
  }

  // ---- copy ------------------------------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) resolve();
      else reject(new Error("Copying is blocked by the browser; select the text and copy it by hand."));
    });
  }

  function textFor(what, secret) {
    if (what === "secret") return secret;
    if (what === "bulk") return bulkList(secret).join("\n") + "\n";
    return build(builderOptions(), secret).formats()[what];
  }

  function flash(button, text) {
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    button.textContent = text;
    button.classList.add("copied");
    window.clearTimeout(button._copyTimer);
    button._copyTimer = window.setTimeout(function () {
      button.textContent = original;
      button.classList.remove("copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button || !config) return;
    event.preventDefault();
    var what = button.getAttribute("data-copy");
    fetchSecret()
      .then(function (secret) {
        return copyText(textFor(what, secret));
      })
      .then(function () {
        flash(button, "Copied");
        announce("Copied to the clipboard.");
      })
      .catch(function (error) {
        flash(button, "Not copied");
        announce(
          error instanceof ProxyUrl.ProxyUrlError ? "Check the " + error.field + ": " + error.message : error.message,
          true
        );
      });
  });

  // ---- live parts (htmx) -----------------------------------------------------------------

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var update = event.target.querySelector && event.target.querySelector("#stock-data-update");
    if (!update || !builderForm) return;
    try {
      stock = JSON.parse(update.textContent) || {};
    } catch (e) {
      return;
    }
    refreshCountries(builderForm.elements.country, checkedValue(builderForm, "pool"));
    if (bulkForm) refreshCountries(bulkField("country"), bulkField("pool").value);
    updateBuilder();
  });
})();

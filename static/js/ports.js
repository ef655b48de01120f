/*
 * The Ports page, progressively enhanced. Without this script every part works through plain
 * POST forms. With it: copy buttons copy (reading the password through the audited reveal the
 * first time, kept in memory only), the rotate button counts the cooldown down, and "Test the
 * port" answers in place.
 */
(function () {
  "use strict";

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  $all("[data-js-only]").forEach(function (el) {
    el.hidden = false;
  });

  var config = $("#port-config");
  var placeholder = config ? config.getAttribute("data-placeholder") : "";
  var password = config && config.getAttribute("data-password") ? config.getAttribute("data-password") : null;
  var copyStatus = $("#copy-status");

  function announce(node, text) {
    if (node) node.textContent = text;
  }

  function csrf(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function postJson(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf(form) },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || "The request failed.");
        return body;
      });
    });
  }

  function readPassword() {
    if (password) return Promise.resolve(password);
    var form = $("#reveal-form");
    if (!form) return Promise.reject(new Error("The password is not available."));
    return postJson(form).then(function (body) {
      password = body.password;
      return password;
    });
  }

  function copy(text) {
    return navigator.clipboard.writeText(text);
  }

  // ---- copy buttons ----------------------------------------------------------------------
  $all("[data-copy-template]").forEach(function (button) {
    button.addEventListener("click", function () {
      var template = button.getAttribute("data-copy-template");
      readPassword()
        .then(function (secret) {
          return copy(template.split(placeholder).join(encodeURIComponent(secret)));
        })
        .then(function () {
          announce(copyStatus, "Copied.");
          button.textContent = "Copied";
          setTimeout(function () {
            button.textContent = "Copy";
          }, 1500);
        })
        .catch(function (error) {
          announce(copyStatus, error.message);
        });
    });
  });
  $all("[data-copy-text]").forEach(function (button) {
    button.addEventListener("click", function () {
      copy(button.getAttribute("data-copy-text")).then(function () {
        button.textContent = "Copied";
      });
    });
  });

  // ---- the rotate button and its cooldown --------------------------------------------------
  var rotateButton = $("#rotate-button");
  var timer = null;

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    if (minutes && rest) return minutes + " min " + rest + " s";
    return minutes ? minutes + " min" : rest + " s";
  }

  function startCountdown() {
    var state = $("#rotate-state-text");
    if (timer) clearInterval(timer);
    if (!state || !rotateButton) return;
    var remaining = parseInt(state.getAttribute("data-remaining") || "0", 10);
    var canRotate = state.getAttribute("data-can-rotate") === "1";
    var text = $("[data-countdown-text]", state);
    function render() {
      if (remaining > 0) {
        rotateButton.disabled = true;
        if (text) text.textContent = "You can rotate again in " + duration(remaining) + ".";
        return;
      }
      rotateButton.disabled = !canRotate && !text;
      if (text) state.textContent = "Ready: a rotation gives this port a new IP now.";
      if (timer) clearInterval(timer);
    }
    render();
    if (remaining > 0) {
      timer = setInterval(function () {
        remaining -= 1;
        render();
      }, 1000);
    }
  }
  startCountdown();
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "rotate-state") startCountdown();
  });

  // ---- test the port -----------------------------------------------------------------------
  var checkForm = $("#check-form");
  if (checkForm) {
    checkForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var result = $("#check-result");
      announce(result, "Testing…");
      postJson(checkForm)
        .then(function (body) {
          if (body.online) {
            announce(result, "Online: public IP " + body.ip + " (" + body.response_ms + " ms).");
            announce($("#port-ip"), body.ip);
            announce($("#port-health"), "healthy");
          } else {
            announce(result, "The port did not answer the test.");
          }
        })
        .catch(function (error) {
          announce(result, error.message);
        });
    });
  }
})();

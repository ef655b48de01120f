// Site-wide progressive enhancements. Every page works without this file.
//
//   <details class="nav-mobile">      closes on Escape and on a click outside it.
//   <button data-copy="#element-id">  copies the element's value or text to the clipboard.
//   <form data-confirm="Are you sure?"> asks before submitting.
//   <select data-autosubmit>          submits its form when changed (the language switcher).
//
// htmx sends the CSRF token through hx-headers on <body> (see base.html).
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details.nav-mobile[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var menu = event.target.closest("details.nav-mobile");
    closeMenus(menu);

    var copyButton = event.target.closest("[data-copy]");
    if (copyButton) {
      event.preventDefault();
      var source = document.querySelector(copyButton.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      var text = "value" in source ? source.value : source.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () {
        var label = copyButton.textContent;
        copyButton.textContent = copyButton.getAttribute("data-copied") || (window.gettext ? window.gettext("Copied") : "Copied");
        copyButton.classList.add("is-copied");
        window.setTimeout(function () {
          copyButton.textContent = label;
          copyButton.classList.remove("is-copied");
        }, 1600);
      });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // With this script the select submits itself: its button only takes room (a phone header).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    if (select.form) select.form.classList.add("is-autosubmit");
  });
})();

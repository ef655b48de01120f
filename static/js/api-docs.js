/* The API reference page (templates/api/docs.html): Swagger UI on the shop's own OpenAPI document.
 * A file, not an inline script, so the page passes the CSP without 'unsafe-inline'. */
(function () {
  "use strict";
  window.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") return;
    window.SwaggerUIBundle({
      url: root.getAttribute("data-schema-url"),
      domNode: root,
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      persistAuthorization: false,
      tryItOutEnabled: false,
    });
  });
})();

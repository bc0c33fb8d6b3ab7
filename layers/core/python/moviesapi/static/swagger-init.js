// Starts Swagger UI on the document this API serves (its URL is in data-spec-url, relative to the page).
// A file rather than an inline script, so the page's Content-Security-Policy allows only 'self'.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // never ask validator.swagger.io: the page talks to this API only
    displayOperationId: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
  });
})();

// Starts Swagger UI over the gateway's OpenAPI document, with the x-api-key the server offered
// (see #page-config) already authorized, and no call to swagger.io's validator.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('page-config').textContent);
  window.ui = SwaggerUIBundle({
    url: config.openapi,
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    onComplete: function () {
      window.ui.preauthorizeApiKey('ApiKey', config.apiKey);
    },
  });
})();

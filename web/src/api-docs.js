// The interactive API docs (`/api/v1/docs`): Swagger UI from npm's swagger-ui-dist, bundled into
// the package with the web application, so that the page needs no CDN and no inline script
// (the server's Content-Security-Policy forbids both). Nothing leaves the machine: the online
// validator badge is off and the only document read is the server's own.

import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';
import 'swagger-ui-dist/swagger-ui.css';

SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
});

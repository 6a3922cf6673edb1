// `/docs`: Swagger UI on the API's own document. A file, not an inline script, so the
// page's Content-Security-Policy allows scripts from the API itself only.
window.addEventListener('load', () => {
  const root = document.getElementById('swagger-ui')
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from validator.swagger.io: the page reaches no other host.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
  })
})

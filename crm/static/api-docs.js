// Starts the vendored Swagger UI on /api/docs (a file: the CSP allows no inline script).
window.addEventListener("load", function () {
  window.SwaggerUIBundle({ url: "/api/schema/openapi.json", dom_id: "#api-docs", deepLinking: true });
});

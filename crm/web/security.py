"""Security headers on every response. The CSP allows no inline script: htmx is configured by a
meta tag (and told not to inject its indicator styles), and every script is a file under /static.

Every response but a static file is `Cache-Control: no-store`: pages, partials and downloads hold
personal data (a contact, an import's rows), and neither the browser nor a proxy keeps a copy.
Over HTTPS: Strict-Transport-Security, and every cookie Secure. A request is HTTPS when it came
over TLS, or when a proxy that CRM_TRUSTED_PROXIES names says so with X-Forwarded-Proto (uvicorn's
ProxyHeadersMiddleware, in front of every route, also takes the client address from
X-Forwarded-For then); the same header from anyone else changes nothing.
"""

from __future__ import annotations

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")
_ENCODED = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: the headers go on every HTTP response, error pages and redirects too."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        extra = list(_ENCODED)
        if scope.get("scheme") == "https":  # every cookie Secure over HTTPS (the CSRF cookie too)
            headers = [(name, value + b"; Secure") if name == b"set-cookie" and b"secure" not in value.lower()
                       else (name, value) for name, value in headers]
            extra.append(HSTS)
        if not scope.get("path", "").startswith("/static/"):
            headers = [(name, value) for name, value in headers if name != b"cache-control"]
            extra.append(NO_STORE)
        present = {name for name, _ in headers}
        message["headers"] = [*headers, *((name, value) for name, value in extra if name not in present)]

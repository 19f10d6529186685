"""Security headers on every response. The CSP allows no inline script: htmx is configured by a
meta tag (and told not to inject its indicator styles), and every script is a file under /static."""

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


_ENCODED = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before_send hook: the headers go on every HTTP response, error pages and redirects too."""
    if message["type"] == "http.response.start":
        headers = list(message.get("headers", []))
        if scope.get("scheme") == "https":  # every cookie Secure over HTTPS (the CSRF cookie too)
            headers = [(name, value + b"; Secure") if name == b"set-cookie" and b"secure" not in value.lower()
                       else (name, value) for name, value in headers]
        present = {name for name, _ in headers}
        message["headers"] = [*headers, *((name, value) for name, value in _ENCODED if name not in present)]

"""Token authentication and per-token rate limiting for /api/v1. A session cookie is never read here:
the API cannot be driven from a logged-in browser by another site (no CSRF hole)."""

from __future__ import annotations

import hashlib

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.rate_limit import RateLimitConfig

from crm.services import audit, tokens


def bearer_token(connection: ASGIConnection) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        found = await tokens.user_for_token(bearer_token(connection))
        if found is None:
            raise NotAuthorizedException("A valid API token is required: Authorization: Bearer <token>")
        user, token = found
        audit.channel.set(f"API token {token['name']!r} #{token['id']}")  # every write of this request says so
        return AuthenticationResult(user=user, auth=token)


def _token_or_address(request: Request) -> str:
    """Each token has its own budget; requests without one share their address's."""
    token = bearer_token(request)
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "address:" + (request.client.host if request.client else "")


def rate_limit(per_minute: int) -> RateLimitConfig:
    """Requests per token per minute, counted in each app process (Litestar's memory store)."""
    return RateLimitConfig(rate_limit=("minute", per_minute), identifier_for_request=_token_or_address)

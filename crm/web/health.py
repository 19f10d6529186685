"""Liveness and readiness for load balancers and the README's first check."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from crm import db


class HealthController(Controller):
    @get("/healthz", sync_to_thread=False, cache_control=None)
    def healthz(self) -> dict:
        return {"status": "ok"}

    @get("/readyz")
    async def readyz(self) -> Response[dict]:
        try:
            pending = await db.pending_migrations()
        except Exception as error:  # the database is unreachable or broken
            return Response(
                {"status": "unavailable", "database": type(error).__name__},
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        if pending:
            return Response(
                {"status": "unavailable", "pending_migrations": len(pending)},
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"status": "ok", "database": "ok", "migrations": "applied"}, status_code=HTTP_200_OK)

"""Helpers for handler tests: users, logging in through the real form with its CSRF token."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from crm.app import create_app
from crm.services.users import create_user

PASSWORD = "pass-word-1"


async def make_user(email: str, role: str = "advisor", department: str = "BIZ", name: str = "") -> int:
    return await create_user(email=email, name=name or email.split("@")[0].title(), role=role,
                             department=department, password=PASSWORD, language="en")


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def login(client: AsyncTestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through /login; returns a CSRF token for later form posts."""
    page = await client.get("/login")
    token = csrf_from(page.text)
    response = await client.post("/login", data={"email": email, "password": password, "next": "/",
                                                 "_csrf_token": token},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return token


def client() -> AsyncTestClient:
    """A test client whose browser asks for English (users made by make_user chose English too)."""
    test_client = AsyncTestClient(app=create_app(), base_url="http://testserver.local")
    test_client.headers["Accept-Language"] = "en"
    return test_client

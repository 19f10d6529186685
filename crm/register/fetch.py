"""`crm ytj fetch BUSINESS_ID`: look one company up in the register's open-data API (optional; the app
itself never calls the internet). The service allows 300 queries a minute for all its users: this
process keeps to that, waits at most `timeout` seconds, and says so plainly when there is no network.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx

from crm.domain.ytunnus import normalize_business_id

API_URL = "https://avoindata.prh.fi/opendata-ytj-api/v3"
PER_MINUTE = 300


class LookupFailed(Exception):
    """The register could not be asked, or did not answer usefully; the message says why."""


class _RateLimit:
    """At most `per_minute` calls a minute from this process (one every 60/per_minute seconds)."""

    def __init__(self, per_minute: int):
        self.interval, self.next_at, self.lock = 60 / per_minute, 0.0, threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            if now < self.next_at:
                time.sleep(self.next_at - now)
            self.next_at = max(now, self.next_at) + self.interval


_limit = _RateLimit(PER_MINUTE)


def fetch_page(business_id: str, *, api_url: str = API_URL, timeout: float = 10.0) -> dict:
    """The API's page (`{"totalResults", "companies"}`) for one Business ID."""
    business_id = normalize_business_id(business_id)  # a wrong check digit raises Problem before any request
    _limit.wait()
    try:
        response = httpx.get(f"{api_url.rstrip('/')}/companies", params={"businessId": business_id},
                             timeout=timeout, headers={"Accept": "application/json"})
    except httpx.TimeoutException:
        raise LookupFailed(f"The register did not answer within {timeout:g} s") from None
    except httpx.HTTPError as error:
        raise LookupFailed(f"The register cannot be reached (no network?): {error}") from None
    if response.status_code == 429:
        raise LookupFailed("The register refused: too many queries (it allows 300 a minute); try again shortly")
    if response.status_code == 404:
        return {"totalResults": 0, "companies": []}
    if response.status_code != 200:
        raise LookupFailed(f"The register answered {response.status_code}")
    try:
        page = response.json()
    except ValueError:
        raise LookupFailed("The register's answer is not JSON") from None
    if not isinstance(page, dict) or not isinstance(page.get("companies"), list):
        raise LookupFailed("The register's answer is not a page of companies")
    page["companies"] = [company for company in page["companies"] if isinstance(company, dict)
                         and (company.get("businessId") or {}).get("value") == business_id]
    page["totalResults"] = len(page["companies"])
    return page


def save_page(page: dict, folder: Path, business_id: str) -> Path:
    """The page as a `.json` file `crm ytj load` reads (kept beside the batch as its source)."""
    path = folder / f"ytj-{normalize_business_id(business_id)}.json"
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    return path

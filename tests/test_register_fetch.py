"""`crm ytj fetch`: one company from the register's API, here a local HTTP server serving recorded
answers (never the internet): printed, applied as a batch, and clear errors without an answer."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from test_import_support import crm, one_json_object

from crm.tables import Company, ImportBatch

pytestmark = pytest.mark.usefixtures("db")
PAGE = json.loads((Path(__file__).resolve().parent / "data" / "ytj_sample.json").read_text(encoding="utf-8"))


class _Recorded(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        query = parse_qs(urlsplit(self.path).query)
        business_id = (query.get("businessId") or [""])[0]
        if business_id == "2345678-0":
            self.send_response(429)
            self.end_headers()
            return
        if business_id == "0490001-4":
            body = b"<html>not json</html>"
        else:
            companies = [c for c in PAGE["companies"] if c["businessId"]["value"] == business_id]
            body = json.dumps({"totalResults": len(companies), "companies": companies}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/opendata-ytj-api/v3"
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_fetch_prints_what_the_register_says_and_applies_it_on_request(api):
    result = crm("ytj", "fetch", "0104676 4", "--api-url", api)
    assert result.returncode == 0, result.stderr
    shown = one_json_object(result.stdout)
    assert (shown["business_id"], shown["name"], shown["street"]) == ("0104676-4", "Leros Oy", "Tuomiokirkonkatu 12 A 2")
    assert await Company.count() == 0  # only printed
    applied = crm("ytj", "fetch", "0104676-4", "--api-url", api, "--apply")
    assert applied.returncode == 0, applied.stderr
    assert one_json_object(applied.stdout)["applied"]["matched"] == 0  # not in the record: nothing to enrich
    batch = await ImportBatch.select().order_by(ImportBatch.id, ascending=False).first()
    assert (batch["kind"], batch["status"], batch["file_name"]) == ("register", "committed", "ytj-0104676-4.json")


async def test_fetch_says_plainly_what_went_wrong(api):
    for args, words in [
        (("0104676-5",), "check digit"),
        (("9999999-9",), "check digit"),
        (("abc",), "not a Business ID"),
        (("0100990-4'; DROP TABLE company; --",), "Business ID"),
        (("2345678-0",), "too many queries"),
        (("0490001-4",), "not JSON"),
        (("0490002-2",), "no company with Business ID"),
    ]:
        result = crm("ytj", "fetch", *args, "--api-url", api)
        assert result.returncode == 1 and words in result.stderr and "Traceback" not in result.stderr, (args, result)
    offline = crm("ytj", "fetch", "0104676-4", "--api-url", f"http://127.0.0.1:{_closed_port()}", "--timeout", "2")
    assert offline.returncode == 1 and "cannot be reached" in offline.stderr

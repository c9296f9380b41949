"""The WSGI example (examples/wsgi_app.py) through a small in-process test client."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import pytest

import procura
from conftest import native_entry, read

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import wsgi_app  # noqa: E402


class Client:
    """Calls a WSGI app in-process (checked by wsgiref.validate): (status, headers, body)."""

    def __init__(self, app: Any) -> None:
        self.app = validator(app)

    def request(self, method: str, path: str, body: bytes = b"",
                content_type: Optional[str] = "application/json") -> Tuple[int, Dict[str, str], str]:
        environ: Dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
                                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        setup_testing_defaults(environ)
        seen: List[Any] = []

        def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append((status, headers))
            return lambda data: None

        result = self.app(environ, start_response)
        try:
            data = b"".join(result)
        finally:
            result.close()
        status, headers = seen[0]
        return int(status.split()[0]), {k.lower(): v for k, v in headers}, data.decode("utf-8")

    def post(self, path: str, body: str, **options: Any) -> Tuple[int, Dict[str, str], str]:
        return self.request("POST", path, body.encode("utf-8"), **options)


@pytest.fixture(scope="module")
def client() -> Any:
    policy = procura.compile(read("examples/maple.procura"), read("examples/maple.directory.json"))
    yield Client(wsgi_app.make_app(policy, body_limit=64 * 1024))
    policy.close()


def test_evaluate_answers_the_native_bytes(client: Client) -> None:
    native = native_entry("examples/maple.request")
    status, headers, body = client.post("/v1/evaluate", native["request"])
    assert status == 200
    assert body == native["answer"]
    assert headers["content-type"] == "application/json"
    assert headers["x-procura-policy-hash"] == json.loads(body)["result"]["policy"]["hash"]


def test_policy_and_health(client: Client) -> None:
    status, _, body = client.request("GET", "/healthz")
    assert (status, body) == (200, '{"status":"ok"}')
    status, headers, body = client.request("GET", "/v1/policy")
    assert status == 200
    assert json.loads(body)["name"] == "Maple School District"
    assert json.loads(body)["hash"] == headers["x-procura-policy-hash"]


@pytest.mark.parametrize("method, path, body, content_type, status, code", [
    ("POST", "/v1/evaluate", "{", "application/json", 400, "E0101"),
    ("POST", "/v1/evaluate", '{"buyer": 1}', "application/json; charset=utf-8", 400, "E0101"),
    ("POST", "/v1/authorize", '{"user":"ana@maple.example","action":"fly","resource":{"kind":"order","group":"north"}}',
     "application/json", 422, "E0206"),
    ("POST", "/v1/evaluate", "{}", "text/plain", 415, "E0511"),
    ("POST", "/v1/evaluate", "{}", None, 415, "E0511"),
    ("POST", "/v1/evaluate", " " * (64 * 1024 + 1), "application/json", 413, "E0102"),
    ("POST", "/v1/nothing", "{}", "application/json", 404, "E0512"),
    ("GET", "/v1/evaluate", "", "application/json", 405, "E0513"),
    ("POST", "/healthz", "", "application/json", 405, "E0513"),
], ids=["not-json", "wrong-type", "unknown-action", "text-plain", "no-content-type", "too-large",
        "no-route", "get-a-decision", "post-healthz"])
def test_errors_have_their_status_and_code(client: Client, method: str, path: str, body: str,
                                           content_type: Optional[str], status: int, code: str) -> None:
    got, _, text = client.request(method, path, body.encode("utf-8"), content_type=content_type)
    answer = json.loads(text)
    assert (got, answer["type"], answer["errors"][0]["code"]) == (status, "failure", code), text


def test_inline_profiles_are_refused(client: Client) -> None:
    request = json.loads(read("examples/maple.request.json"))
    request["buyerProfile"] = {"id": request["buyer"], "roles": []}
    status, _, body = client.post("/v1/evaluate", json.dumps(request))
    assert status == 400
    assert json.loads(body)["errors"][0]["code"] == "E0515"


def test_status_of_matches_procura_serve() -> None:
    assert wsgi_app.status_of('{"type":"success","result":{}}') == 200
    assert wsgi_app.status_of(wsgi_app.failure("E0501", "evaluation exceeded its budget")) == 422
    assert wsgi_app.status_of(wsgi_app.failure("E0503", "evaluation exceeded its memory limit")) == 422
    assert wsgi_app.status_of(wsgi_app.failure("E0504", "the engine trapped")) == 500
    assert wsgi_app.status_of(wsgi_app.failure("E0502", "unknown handle")) == 422

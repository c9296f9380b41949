"""A WSGI service answering Procura questions like ``procura serve``, on the standard library.

    python python/examples/wsgi_app.py examples/maple.procura examples/maple.directory.json [PORT]

Routes, statuses and failure codes are those of ``procura serve`` (README, docs/servers.md):
``POST /v1/evaluate``, ``/v1/authorize``, ``/v1/badges``, ``/v1/progress`` (request JSON in,
the engine's answer JSON out, unchanged), ``GET /v1/policy``, ``GET /healthz``. 200 for a
success; 400 for malformed input (E01xx) and inline profiles (E0515, refused: this service
fronts clients); 413 over the body limit (E0102); 415 without ``Content-Type:
application/json`` (E0511); 404/405 (E0512/E0513); 422 for everything else the engine
refuses, the budget (E0501) and the memory cap (E0503); 500 when the engine trapped (E0504).

``wsgiref`` serves one request at a time; under a threaded WSGI server (gunicorn
``--threads``, waitress) the one :class:`procura.Policy` is shared safely (calls on it are
serialised; compile one per worker thread for parallel evaluation).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import procura

StartResponse = Callable[[str, List[Tuple[str, str]]], Any]
WsgiApp = Callable[[Dict[str, Any], StartResponse], Iterable[bytes]]

ROUTES = {
    "/v1/evaluate": "evaluate_json",
    "/v1/authorize": "authorize_json",
    "/v1/badges": "badges_json",
    "/v1/progress": "progress_json",
}
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Entity", 500: "Internal Server Error"}


def failure(code: str, message: str, help: Optional[str] = None) -> str:
    error: Dict[str, str] = {"code": code, "message": message}
    if help is not None:
        error["help"] = help
    return json.dumps({"type": "failure", "errors": [error]}, separators=(",", ":"), ensure_ascii=False)


def status_of(answer: str) -> int:
    """The HTTP status of an answer, as ``procura serve``'s ``status_of``."""
    if answer.startswith('{"type":"success"'):
        return 200
    try:
        code = str(json.loads(answer)["errors"][0]["code"])
    except (ValueError, KeyError, IndexError, TypeError):
        code = ""
    if code == "E0102":
        return 413
    if code == "E0504":
        return 500
    if code in ("E0514", "E0515") or code.startswith("E01"):
        return 400
    return 422


def make_app(policy: procura.Policy, *, body_limit: int = 1024 * 1024) -> WsgiApp:
    """The WSGI application answering with ``policy``."""

    def app(environ: Dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def respond(status: int, body: str, extra: Tuple[Tuple[str, str], ...] = ()) -> Iterable[bytes]:
            data = body.encode("utf-8")
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *extra]
            start_response(f"{status} {REASONS[status]}", headers)
            return [data]

        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" or path == "/v1/policy":
            if method != "GET":
                return respond(405, failure("E0513", "this route does not take this method",
                                            "decisions are POST, /v1/policy and /healthz are GET"))
            if path == "/healthz":
                return respond(200, '{"status":"ok"}')
            info = {"name": policy.name, "hash": policy.hash, "warnings": policy.warnings}
            return respond(200, json.dumps(info, separators=(",", ":"), ensure_ascii=False),
                           (("x-procura-policy-hash", policy.hash),))
        if path not in ROUTES:
            return respond(404, failure("E0512", "no such route",
                                        "POST /v1/evaluate, /v1/authorize, /v1/badges, /v1/progress; GET /v1/policy, /healthz"))
        if method != "POST":
            return respond(405, failure("E0513", "this route does not take this method",
                                        "decisions are POST, /v1/policy and /healthz are GET"))
        media = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        hash_header = (("x-procura-policy-hash", policy.hash),)
        if media != "application/json":
            return respond(415, failure("E0511", "the request's Content-Type must be application/json",
                                        "send the header `Content-Type: application/json`"), hash_header)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length > body_limit:
            return respond(413, failure("E0102", f"the request body is larger than the limit of {body_limit} bytes",
                                        "split the request"), hash_header)
        try:
            if length < 0:
                raise ValueError("bad Content-Length")
            body = environ["wsgi.input"].read(length) if length else b""
        except (OSError, ValueError) as error:
            return respond(400, failure("E0514", f"the request body could not be read: {error}"), hash_header)
        answer: str = getattr(policy, ROUTES[path])(body)
        return respond(status_of(answer), answer, hash_header)

    return app


def main(argv: List[str]) -> None:
    from wsgiref.simple_server import make_server

    if len(argv) < 2:
        raise SystemExit("usage: wsgi_app.py POLICY DIRECTORY [PORT]")
    with open(argv[0], encoding="utf-8") as source, open(argv[1], encoding="utf-8") as directory:
        policy = procura.compile(source.read(), directory.read())
    port = int(argv[2]) if len(argv) > 2 else 8181
    with make_server("127.0.0.1", port, make_app(policy)) as server:
        print(f"procura ({policy.name}, {policy.hash}) on http://127.0.0.1:{port}", file=sys.stderr)
        server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])

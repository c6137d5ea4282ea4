"""The suite's bare WSGI app at /apps/api/ (tests/apps/, never the shipped sample app/api): the
target of the load, fault and routing tests and of `make bench`. Its three responses are the
bench's: /ping (5 bytes of text), /items (~10 KB of JSON), /wait (20 ms spent waiting, as on a
database); / says which vassal answered and where nginx mounted it."""

import json
import os
import time

VASSAL = os.environ.get("VASSAL_NAME", "api")
ITEMS = json.dumps(
    {"items": [{"id": i, "name": f"item {i}", "tags": ["sample", "json"]} for i in range(170)]}
)
WAIT_S = 0.020


def routes(environ):
    path = environ.get("PATH_INFO") or "/"
    if path == "/ping":
        return "text/plain", b"pong\n"
    if path == "/items":
        return "application/json", ITEMS.encode()
    if path == "/wait":
        time.sleep(WAIT_S)
        return "application/json", b'{"waited_ms": 20}'
    if path == "/":
        mounted = environ.get("SCRIPT_NAME", "") + "/"
        return "application/json", json.dumps(
            {"app": "api", "vassal": VASSAL, "mounted_at": mounted}
        ).encode()
    return None, b'{"error": "not found"}'


def app(environ, start_response):
    kind, body = routes(environ)
    status = "404 Not Found" if kind is None else "200 OK"
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        status, kind, body = "405 Method Not Allowed", None, b'{"error": "method not allowed"}'
    headers = [
        ("Content-Type", kind or "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Vassal", f"{VASSAL}/{os.getpid()}"),
    ]
    start_response(status, headers)
    return [body]

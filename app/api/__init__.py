"""A small JSON API written as a bare WSGI callable: the vassal `api`, served under `/apps/api/`.

It needs no framework to show that a vassal can run any WSGI app. nginx passes the prefix as
SCRIPT_NAME and the rest of the path as PATH_INFO, so the app's routes do not repeat `/apps/api`.
"""

import json
import os
import time

VASSAL = os.environ.get("VASSAL_NAME", "api")
STARTED = time.time()


def _status(environ):
    return {
        "app": "api",
        "vassal": VASSAL,
        "pid": os.getpid(),
        "uptime_s": round(time.time() - STARTED, 3),
        "mounted_at": environ.get("SCRIPT_NAME", "") + "/",
    }


def _items(environ):
    # A ~10 KB JSON list: a realistic payload size for an API response.
    return {"items": [{"id": i, "name": f"item {i}", "tags": ["sample", "json"]} for i in range(170)]}


# How long /wait waits: a database query's or another service's stand-in, so `make bench` can show
# how a vassal serves an app that spends its time waiting rather than computing.
WAIT_S = 0.020


def _wait(environ):
    time.sleep(WAIT_S)
    return {"waited_ms": WAIT_S * 1000}


ROUTES = {"/": _status, "/items": _items, "/wait": _wait}
# The smallest answer: a liveness ping for load balancers (and `make bench`'s tiny response).
PONG = b"pong\n"


def app(environ, start_response):
    path = environ.get("PATH_INFO") or "/"
    if path == "/ping":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(PONG)))])
        return [PONG]
    route = ROUTES.get(path)
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        status, body = "405 Method Not Allowed", {"error": "method not allowed"}
    elif route is None:
        status, body = "404 Not Found", {"error": "not found"}
    else:
        status, body = "200 OK", route(environ)
    payload = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("X-Vassal", f"{VASSAL}/{os.getpid()}"),
        ],
    )
    return [payload]

"""An app for the gunicorn tests (test_gunicorn.py), installed at runtime as a uWSGI vassal and as a
gunicorn program alike: it answers with what it sees of the request, so the two can be compared, and
/sleep?s=N&token=T is a slow request whose start the test can see (DATA_DIR/T appears)."""

import json
import os
import time
from pathlib import Path
from urllib.parse import parse_qs

# What nginx decides for the app (docs/production.md), where it is mounted, and
# what the client sent.
KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "REQUEST_SCHEME",
    "HTTPS",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_X_REQUEST_ID",
    "HTTP_USER_AGENT",
    "HTTP_COOKIE",
    "SERVER_SOFTWARE",
    "wsgi.url_scheme",
)


def _answer(start_response, body):
    payload = json.dumps(body).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("X-Vassal", f"{os.environ.get('VASSAL_NAME')}/{os.getpid()}"),
        ],
    )
    return [payload]


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/sleep":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        data = Path(os.environ["DATA_DIR"])
        data.mkdir(mode=0o700, exist_ok=True)
        (data / query["token"][0]).touch()
        time.sleep(min(float(query["s"][0]), 60))
        return _answer(start_response, {"slept": query["s"][0], "pid": os.getpid()})
    body = {key: environ.get(key) for key in KEYS}
    body["body"] = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
    body["env"] = {name: os.environ.get(name) for name in ("VASSAL_NAME", "DATA_DIR", "SUPERVISOR_PASSWORD")}
    return _answer(start_response, body)

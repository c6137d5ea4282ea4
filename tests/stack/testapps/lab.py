"""A vassal for fault tests only, installed at runtime by the tests: its code sits on the writable
vassal volume so a test can change it and reload it. Never shipped in the image."""

import json
import os
import time
from urllib.parse import parse_qs

VERSION = 1


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/sleep":
        seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["1"])[0])
        time.sleep(min(seconds, 60))
    body = json.dumps({"version": VERSION, "pid": os.getpid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

"""The app of the Python version tests (test_python_version.py), installed at runtime as a vassal:
it reports the interpreter it runs on, and uWSGI's."""

import json
import sys

import uwsgi


def app(environ, start_response):
    body = json.dumps({"version_info": list(sys.version_info[:2]), "uwsgi": uwsgi.version.decode()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

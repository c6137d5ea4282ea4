"""The app of the operating-system package tests (test_own_apps.py), copied in as app/pg/__init__.py:
psycopg2 has no wheel for Linux, so the build stage compiles it against libpq-dev (apt-build.txt),
and it imports only where libpq5 is installed (apt.txt). It reports both versions."""

import json

import psycopg2


def app(environ, start_response):
    body = json.dumps(
        {"psycopg2": psycopg2.__version__.split()[0], "libpq": psycopg2.__libpq_version__}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

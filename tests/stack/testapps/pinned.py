"""A vassal of the per-app virtualenv tests (test_own_apps.py), run as two apps that pin different
versions of `six`: it reports the version it imported, its virtualenv, whether it can see the
shared virtualenv's Flask (it should not), and the settings it was given (app/NAME/app.env and its
overrides), with any override left in its environment (none should be)."""

import importlib.util
import json
import os
import sys

import six


def app(environ, start_response):
    body = json.dumps(
        {
            "six": six.__version__,
            "prefix": sys.prefix,
            "sees_flask": importlib.util.find_spec("flask") is not None,
            "settings": {key: os.environ.get(key) for key in ("GREETING", "LITERAL", "COLOUR", "TOKEN")},
            "overrides": sorted(key for key in os.environ if "__" in key),
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

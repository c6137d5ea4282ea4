"""Imported as `module = examples.module_app:app` (uwsgi/examples/module.ini): a bare WSGI callable."""

import json


def app(environ, start_response):
    body = json.dumps(
        {"style": "module", "script_name": environ["SCRIPT_NAME"], "path_info": environ["PATH_INFO"]}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

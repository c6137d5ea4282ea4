"""Imported as `module = examples.module_callable` with `callable = serve` on a line of its own
(uwsgi/examples/module-callable.ini): a bare WSGI callable."""

import json


def serve(environ, start_response):
    body = json.dumps(
        {"style": "module-callable", "script_name": environ["SCRIPT_NAME"], "path_info": environ["PATH_INFO"]}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

"""A vassal for the knob tests, installed at runtime: answers with the options its uWSGI runs with
(uwsgi.opt: after every include and $(VAR) expansion), as a vassal of the shipped defaults sees them."""

import json

import uwsgi


def _text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value


def app(environ, start_response):
    body = json.dumps({_text(name): _text(value) for name, value in uwsgi.opt.items()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]

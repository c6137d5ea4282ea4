"""The app of the host name tests (test_app_hosts.py), copied in as app/forum/__init__.py: a page
that links its stylesheet absolutely, /static/style.css, as an app that owns / does (a bundler's
output), and shows the SCRIPT_NAME it was given. X-Vassal as the scaffolded apps set it."""

import os


def app(environ, start_response):
    body = (
        '<!doctype html><link rel="stylesheet" href="/static/style.css">'
        f'<p id="script-name">{environ["SCRIPT_NAME"]}</p><p id="path">{environ["PATH_INFO"]}</p>'
    ).encode()
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    start_response("200 OK", [*headers, ("X-Vassal", f"{os.environ['VASSAL_NAME']}/{os.getpid()}")])
    return [body]

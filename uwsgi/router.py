"""The tcp transport's router (uwsgi/router.ini): which unix socket a request goes to.

address() runs in uWSGI's fastrouter for every request, with the key nginx sent (the app's name).
not_found() is the WSGI app behind the router's own socket: the answer for an app that is not running,
503 naming it when this container runs it (NAME.app in its slot, uwsgi/healthcheck.py: a broken
app), else 404.
"""

import os
import re
import socket

# This container's slot on the socket volume (uwsgi/traffic.py), where its vassals' sockets are.
SLOT = f"/run/uwsgi/{socket.gethostname()}/"
# nginx's route checks the same pattern; anything else on port 3031 is answered 404.
APP_NAME = re.compile(rb"[a-z0-9][a-z0-9_-]*")
NOT_FOUND = b"/tmp/router-404.sock"


def address(key):
    if not APP_NAME.fullmatch(key):
        return NOT_FOUND
    name = key.decode()
    # A running vassal has a pidfile beside its socket (uwsgi/vassal-defaults.ini).
    if not os.path.exists(f"{SLOT}{name}.pid"):
        return NOT_FOUND
    return f"{SLOT}{name}.sock".encode()


def not_found(environ, start_response):
    name = environ.get("UWSGI_FASTROUTER_KEY", "")
    if APP_NAME.fullmatch(name.encode()) and os.path.exists(f"{SLOT}{name}.app"):
        status, body = "503 Service Unavailable", f"{name} is not running: the app container's log says why\n"
    else:
        status, body = "404 Not Found", "Not Found\n"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body.encode()]

"""The starter Flask app: the vassal `main`, served by nginx at `/`."""

import os

from flask import Flask, render_template, request, url_for

app = Flask(__name__)

# uWSGI sets VASSAL_NAME from the vassal's file name (uwsgi/vassal-defaults.ini).
VASSAL = os.environ.get("VASSAL_NAME", "main")
# Headers a proxy sets and a client could forge: /whoami shows what reached the app.
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")


@app.after_request
def name_the_vassal(response):
    # Shows which vassal (and worker) answered: useful when several apps share one nginx.
    response.headers["X-Vassal"] = f"{VASSAL}/{os.getpid()}"
    return response


@app.get("/")
def index():
    return render_template("index.html", vassal=VASSAL, pid=os.getpid())


@app.get("/whoami")
def whoami():
    # What the app sees of this request through nginx: where its absolute URLs point, who the
    # client is, which scheme, which request id. README: "Behind a proxy, and HTTPS".
    return {
        "url": url_for("whoami", _external=True),
        "scheme": request.scheme,
        "host": request.host,
        "server": [request.environ.get("SERVER_NAME"), request.environ.get("SERVER_PORT")],
        "remote_addr": request.remote_addr,
        "request_id": request.headers.get("X-Request-ID"),
        "forwarded": {name: request.headers.get(name) for name in FORWARDING_HEADERS},
        # Flask's debug mode: on under `make dev` only (uwsgi/vassal-dev.ini).
        "debug": app.debug,
    }

"""The suite's app at `/` (tests/apps/, never the shipped sample app/main): what the stack tests ask
of the app nginx serves at the root. It reports the request as Flask sees it (/whoami), keeps notes
in its DATA_DIR or in PostgreSQL when DATABASE_URL is set (/notes, /health), and has a stylesheet
for nginx to serve (/static/style.css)."""

import os

from flask import Flask, abort, redirect, request, url_for

from . import notes

app = Flask(__name__)
VASSAL = os.environ.get("VASSAL_NAME", "main")
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")
STORE = notes.store(os.environ.get("DATABASE_URL", ""), os.environ.get("DATA_DIR", ""))


@app.after_request
def name_the_vassal(response):
    response.headers["X-Vassal"] = f"{VASSAL}/{os.getpid()}"
    return response


@app.get("/")
def index():
    return '<!doctype html><link rel="stylesheet" href="/static/style.css"><p>main</p>\n'


@app.get("/whoami")
def whoami():
    return {
        "url": url_for("whoami", _external=True),
        "scheme": request.scheme,
        "host": request.host,
        "server": [request.environ.get("SERVER_NAME"), request.environ.get("SERVER_PORT")],
        "remote_addr": request.remote_addr,
        "request_id": request.headers.get("X-Request-ID"),
        "forwarded": {name: request.headers.get(name) for name in FORWARDING_HEADERS},
        # On under `make dev` only (uwsgi/vassal-dev.ini).
        "debug": app.debug,
    }


@app.get("/notes")
def list_notes():
    return "".join(f"{body}\n" for body in STORE.bodies()), {"Content-Type": "text/plain"}


@app.post("/notes")
def add_note():
    body = request.form.get("body", "")
    if not body:
        abort(400)
    STORE.add(body)
    return redirect(url_for("list_notes"), code=303)


@app.errorhandler(notes.Unavailable)
def unavailable(error):
    return f"{error}\n", 503


@app.get("/health")
def health():
    try:
        STORE.bodies()
    except notes.Unavailable as error:
        return {"status": "unavailable", "storage": STORE.name, "error": str(error)}, 503
    return {"status": "ok", "storage": STORE.name}

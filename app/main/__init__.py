"""The starter Flask app: the vassal `main`, served by nginx at `/`."""

import hmac
import os
import secrets

from flask import Flask, abort, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from . import storage

app = Flask(__name__)
# The app's own persistent directory (uwsgi/vassal-defaults.ini: DATA_DIR=/srv/data/NAME, a volume
# kept by `make down`, `make up` and deploys). Unset outside the stack: the notes go to Flask's
# instance folder and the session key lives in memory only.
app.config["DATA_DIR"] = os.environ.get("DATA_DIR")
# Set (compose.yaml) when the PostgreSQL profile is on: the notes live there instead of SQLite.
app.config["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
app.config.update(SESSION_COOKIE_SAMESITE="Lax", MAX_CONTENT_LENGTH=64 * 1024)
NOTE_MAX_CHARS = 500

# uWSGI sets VASSAL_NAME from the vassal's file name (uwsgi/vassal-defaults.ini).
VASSAL = os.environ.get("VASSAL_NAME", "main")
# Headers a proxy sets and a client could forge: /whoami shows what reached the app.
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")


class _KeyFromDataDir(SecureCookieSessionInterface):
    """Loads the session key from the data directory on first use, not at import. Without it (the
    directory unusable), pages that need no session still work."""

    def get_signing_serializer(self, app):
        if not app.secret_key and not app.config["DATA_DIR"]:
            app.secret_key = os.urandom(32)
        elif not app.secret_key:
            try:
                app.secret_key = storage.load_secret_key(app.config["DATA_DIR"])
            except OSError as error:
                app.logger.error("no session key in %s: %s", app.config["DATA_DIR"], error)
                return None
        return super().get_signing_serializer(app)


app.session_interface = _KeyFromDataDir()


def notes_storage():
    if "notes_storage" not in app.extensions:
        config = app.config
        data_dir = config["DATA_DIR"] or app.instance_path
        app.extensions["notes_storage"] = storage.from_settings(config["DATABASE_URL"], data_dir)
    return app.extensions["notes_storage"]


def csrf_token():
    """This browser's token, kept in its signed session cookie; every form posts it back."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


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
    # client is, which scheme, which request id. docs/production.md.
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


@app.get("/notes")
def notes():
    """A guestbook: the notes survive restarts and deploys (SQLite in DATA_DIR, or PostgreSQL)."""
    return render_template(
        "notes.html",
        notes=storage.latest_notes(notes_storage()),
        storage=notes_storage().name,
        csrf_token=csrf_token(),
        max_chars=NOTE_MAX_CHARS,
    )


@app.post("/notes")
def add_note():
    sent = request.form.get("csrf_token", "")
    if "csrf" not in session or not hmac.compare_digest(sent, session["csrf"]):
        abort(403, "the form is stale or came from another site: reload the page")
    body = request.form.get("body", "").strip()
    if not body or len(body) > NOTE_MAX_CHARS:
        abort(400, f"a note is 1 to {NOTE_MAX_CHARS} characters")
    storage.add_note(notes_storage(), body)
    # Post/redirect/get: reloading the page does not post the note again.
    return redirect(url_for("notes"), code=303)


@app.errorhandler(storage.Unavailable)
def storage_unavailable(error):
    app.logger.error("notes storage unavailable: %s", error)
    return "The notes are unavailable right now: their database cannot be reached.\n", 503


@app.get("/health")
def health():
    """The app and what it depends on: 503 naming the storage when it cannot be reached. The
    container's health check (uwsgi-healthcheck) asks `/` only, so a database outage does not make
    Docker call the app container unhealthy: restarting it would not help."""
    try:
        storage.check(notes_storage())
    except storage.Unavailable as error:
        return {"status": "unavailable", "storage": notes_storage().name, "error": str(error)}, 503
    return {"status": "ok", "storage": notes_storage().name}

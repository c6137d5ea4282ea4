"""gunicorn's settings for every app served by gunicorn instead of a uWSGI vassal (extras/gunicorn).
supervisord runs one program per such app, `[program:gunicorn-NAME]` in
/etc/supervisor/gunicorn/NAME.conf, whose command passes this file as `--config`; options after it
on that command line override these for that app alone.

What a vassal gets from uwsgi/vassal-defaults.ini, a gunicorn app gets here: its socket and pidfile
in this container's slot (/run/uwsgi/HOSTNAME/NAME.sock, mode 0660, group sockets), the knobs
(UWSGI_*, checked by uwsgi/knobs.sh and handed on as VASSAL_*), VASSAL_NAME and DATA_DIR, no access
log. nginx speaks HTTP to it (nginx/transport/http.conf, reached through this extra's NAME.http
check), and _behind_nginx() below gives the app the environ the uwsgi protocol would have given it.

gunicorn runs this file at start and again at every HUP: settings only at module level; the files
nginx looks for are made and removed by the hooks at the end.
"""

import contextlib
import grp
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading

# The app's name, from the program's (supervisord sets SUPERVISOR_PROCESS_NAME for its children):
# the socket, the pidfile, the URL /apps/NAME/ and the data directory follow it.
PROGRAM = os.environ.get("SUPERVISOR_PROCESS_NAME", "")
APP = PROGRAM.removeprefix("gunicorn-")
# nginx routes /apps/NAME/ only for such names (nginx/routes.conf).
if not PROGRAM.startswith("gunicorn-") or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", APP):
    sys.exit(
        f"gunicorn: run me as supervisord's [program:gunicorn-NAME], NAME as in /apps/NAME/ "
        f"(lowercase letters, digits, '_' and '-'), not {PROGRAM or 'outside supervisord'!r}"
    )
# UWSGI_TRANSPORT (app/entrypoint.sh hands it on): tcp reaches apps through uWSGI's fastrouter
# (uwsgi/router.ini), which passes requests on in the uwsgi protocol only.
if os.environ.get("APP_TRANSPORT") == "tcp":
    sys.exit(
        f"{PROGRAM}: UWSGI_TRANSPORT=tcp cannot reach an app served by gunicorn: its router speaks "
        "only the uwsgi protocol. Use UWSGI_TRANSPORT=unix or http, or serve the app with uWSGI"
    )

# This container's slot on the socket volume (uwsgi/traffic.py): nginx connects through `current`.
SLOT = f"/run/uwsgi/{socket.gethostname()}"
SOCKET = f"{SLOT}/{APP}.sock"
bind = [f"unix:{SOCKET}"]
# The socket is created 0660: nginx's worker, in the group `sockets`, may connect; nobody else.
# when_ready() gives it that group: gunicorn chowns it to its own (it could switch the workers'
# group only as root).
umask = 0o117
backlog = int(os.environ["VASSAL_LISTEN"])

# The vassals' knobs (docs/configuration.md). Threads > 1 make gunicorn use its gthread worker.
workers = int(os.environ["VASSAL_PROCESSES"])
# uwsgi/knobs.sh exports VASSAL_THREADS only above 1.
threads = int(os.environ.get("VASSAL_THREADS", "1"))
# The closest thing to harakiri: the master kills a worker that has not checked in for this long.
# A sync worker checks in between requests only, so a request running longer is killed (nginx:
# 502); a gthread worker keeps checking in while a request thread is stuck, so it is not.
timeout = int(os.environ["VASSAL_HARAKIRI"])
# On TERM (a stop) and HUP (a reload), how long old workers may finish their requests before
# SIGKILL: a vassal's worker-reload-mercy, harakiri + 5 s. supervisor waits longer
# (stopwaitsecs: harakiri + 15 s), Docker longer still (APP_STOP_GRACE_PERIOD).
graceful_timeout = int(os.environ["VASSAL_RELOAD_MERCY"])
# Workers recycle by age, as the vassals' max-worker-lifetime (post_worker_init below), not by a
# request count (max_requests): at high request rates a count recycles workers within seconds.
MAX_WORKER_LIFETIME = int(os.environ["VASSAL_MAX_WORKER_LIFETIME"])
MAX_WORKER_LIFETIME_DELTA = int(os.environ["VASSAL_MAX_WORKER_LIFETIME_DELTA"])

chdir = "/srv/app"


# The app's own settings (app/settings.sh resolves app/NAME/app.env and its overrides at start),
# then VASSAL_NAME and DATA_DIR, which the stack sets and a setting cannot change.
def _settings():
    try:
        with open(f"{os.environ['APP_SETTINGS_DIR']}/{APP}.env", encoding="utf-8") as settings:
            return settings.read().splitlines()
    except FileNotFoundError:
        return []


raw_env = [*_settings(), f"VASSAL_NAME={APP}", f"DATA_DIR=/srv/data/{APP}"]
proc_name = PROGRAM
# nginx logs every request already; gunicorn logs errors and its workers' lifecycle, to stderr,
# which supervisord passes to the container's log.
accesslog = None
errorlog = "-"
# gunicornc's socket (the stats socket's counterpart: workers, their age and heartbeat; it can
# also add, remove or kill workers), off the shared volume and private to the user app.
control_socket = f"/run/vassals/{APP}.ctl"

# nginx bounds the request line and each header (large_client_header_buffers 2 x 18 KB, 100 lines,
# nginx.conf); gunicorn's own limits (4094, 8190 bytes, 100 fields) would refuse some of those.
limit_request_line = 0
limit_request_field_size = 32768
limit_request_fields = 32768
# Only nginx can connect to the socket, and gunicorn trusts any unix-socket peer's forwarding
# headers. nginx always sets X-Forwarded-Proto to what it concluded (nginx/edge.conf); gunicorn's
# default list also believes X-Forwarded-Ssl and X-Forwarded-Protocol, which nginx passes from the
# client unchanged. Nor may any header set SCRIPT_NAME or PATH_INFO (nginx drops names with "_"
# anyway).
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarder_headers = ""


def _normalized(path):
    """The path as nginx routed it: `//` merged, `.` and `..` resolved."""
    segments = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    trailing = "/" if segments and path.endswith(("/", "/.", "/..")) else ""
    return "/" + "/".join(segments) + trailing


def _not_found(start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10")])
    return [b"Not Found\n"]


def _behind_nginx(app):
    """The WSGI app as a vassal would see it: over the uwsgi protocol nginx passes the client's
    address, the prefix and the server as variables; over HTTP they arrive as the headers
    nginx/transport/http.conf sets (the same ones uwsgi/transport/http.ini turns back for a vassal).
    Only nginx can connect to the socket, so they are believed."""

    def serve(environ, start_response):
        # The client nginx concluded (realip, nginx/edge.conf); gunicorn leaves REMOTE_ADDR empty
        # on a unix socket.
        environ["REMOTE_ADDR"] = environ.get("HTTP_X_FORWARDED_FOR", "")
        # gunicorn took the scheme from X-Forwarded-Proto (secure_scheme_headers).
        scheme = environ["wsgi.url_scheme"]
        environ["REQUEST_SCHEME"] = scheme
        if scheme == "https":
            environ["HTTPS"] = "on"
        # The prefix nginx routed on (/apps/NAME, empty for main) and the rest of the path. nginx
        # passes the request line as the client sent it; it routed on the normalized path.
        prefix = environ.pop("HTTP_X_UWSGI_SCRIPT_NAME", "")
        path = _normalized(environ["PATH_INFO"])
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            return _not_found(start_response)
        environ["SCRIPT_NAME"] = prefix
        environ["PATH_INFO"] = path[len(prefix) :]
        # The Host's name and port, as nginx validated them (SERVER_NAMES).
        environ["SERVER_NAME"] = environ.pop("HTTP_X_UWSGI_SERVER_NAME", environ["SERVER_NAME"])
        environ["SERVER_PORT"] = environ.pop("HTTP_X_UWSGI_SERVER_PORT", environ["SERVER_PORT"])
        # nginx's uwsgi_params always passes these, empty for a request without a body: an app may
        # index the environ for them.
        environ.setdefault("CONTENT_TYPE", "")
        environ.setdefault("CONTENT_LENGTH", "")
        return app(environ, start_response)

    return serve


def _publish(name, text=""):
    """Write a file into the slot under another name, then rename it: nginx never sees it half-made."""
    temporary = f"{SLOT}/.{name}.{os.getpid()}"
    with open(temporary, "w") as file:
        file.write(text)
    os.replace(temporary, f"{SLOT}/{name}")


def on_starting(server):
    # The app's own directory on the persistent volume (DATA_DIR), as app/entrypoint.sh makes one
    # for each vassal; also for an app added at runtime.
    os.makedirs(f"/srv/data/{APP}", mode=0o700, exist_ok=True)
    # The app's release step (app/NAME/release: app/release.sh), as a vassal's master runs it before
    # its workers start. If it fails, gunicorn exits and supervisord backs it off: the app is broken.
    if os.path.exists(f"/srv/app/{APP}/release"):
        subprocess.run(["app-release", APP], check=True)


def when_ready(server):
    # The socket exists: give it the group nginx's worker is in (the slot's, uwsgi/traffic.py).
    os.chown(SOCKET, -1, grp.getgrnam("sockets").gr_gid)


def post_worker_init(worker):
    worker.wsgi = _behind_nginx(worker.wsgi)
    # Once a worker has imported the app, nginx may send requests: NAME.http first (speak HTTP),
    # then the pidfile nginx's 404 check looks for, with the master's pid. Not gunicorn's own
    # `pidfile`: it is written before the socket exists, briefly removed at every HUP, and after a
    # SIGKILL a stale one whose pid another process now has stops gunicorn from starting.
    _publish(f"{APP}.http")
    _publish(f"{APP}.pid", f"{os.getppid()}\n")
    # max-worker-lifetime: after its lifetime, plus up to a sixth of it so that the workers do not
    # all go at once, a worker stops as on TERM (it finishes its request); the master replaces it.
    lifetime = MAX_WORKER_LIFETIME + random.uniform(0, MAX_WORKER_LIFETIME_DELTA)
    recycle = threading.Timer(lifetime, os.kill, (os.getpid(), signal.SIGTERM))
    recycle.daemon = True
    recycle.start()


def on_exit(server):
    # Stopped (every worker has finished): nginx answers 503 (404 once the app is gone), as for a
    # stopped vassal.
    for name in (f"{APP}.pid", f"{APP}.http"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{SLOT}/{name}")

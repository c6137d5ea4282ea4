#!/opt/venv/bin/python
"""The app container's health check: every enabled vassal must answer a real request, the way nginx
reaches it, but one broken app never takes the others down.

supervisord being up proves nothing: the emperor keeps a vassal that cannot start "running" forever
while its socket is gone. This sends `GET /` to each vassal in /run/vassals, over the transport
nginx uses (UWSGI_TRANSPORT: the uwsgi protocol on its unix socket, HTTP on it, or the uwsgi
protocol through the router's TCP port); an app answers if its status is below 500. So must every
app served by a supervisord program of its own instead, /run/vassals/NAME.conf (extras/gunicorn
puts its programs there), over HTTP on its socket.

An app is broken, not starting, when it answers 5xx (or closes without an answer), or when it died
before it was ready: a vassal the emperor blacklisted, a program supervisord backs off. Healthy
means every app answers, or, in
the container that serves the traffic, at least one does and the others are broken ("degraded":
nginx runs and serves them, and answers 503 for the broken). A container that does not serve yet
(a deploy's new one, a Swarm update's new task) must have every app answer: an image with a broken
app never takes the traffic. `--all`: every app must answer (`make up` reports the broken ones).

Each check also leaves NAME.app in this container's slot for every app it runs (and removes those
of apps gone): how nginx and the tcp router tell an app that is not running (503) from an unknown
one (404).
"""

import json
import os
import socket
import struct
import subprocess
import sys
from pathlib import Path

# The emperor's directory (uwsgi/emperor.ini): the repo's uwsgi/vassals/ under `make dev`.
VASSALS = Path(os.environ.get("VASSALS_DIR", "/run/vassals"))
# This container's own slot (uwsgi/traffic.py), whether or not nginx is pointed at it yet.
SOCKETS = Path("/run/uwsgi") / socket.gethostname()
TIMEOUT_S = 2.0
# compose.yaml passes the knob to the container; uwsgi/knobs.sh rejected anything else at start.
TRANSPORT = os.environ.get("UWSGI_TRANSPORT") or "unix"
# uwsgi/router.ini
ROUTER = ("127.0.0.1", 3031)
# uwsgi/traffic.py's mark that this container took the traffic.
TOOK = Path("/tmp/uwsgi-traffic-took")
# The emperor's stats socket (uwsgi/emperor.ini): its blacklist holds the vassals that died before
# they were ready, which it retries with a growing delay.
EMPEROR_STATS = "/tmp/emperor.stats"
# supervisord's states of a program that died before it was up (extras/gunicorn's programs).
GAVE_UP = {"BACKOFF", "FATAL", "EXITED"}


def uwsgi_request(name, path="/"):
    """A uwsgi packet: modifier1 0, vars size (uint16 LE), modifier2 0, then length-prefixed vars."""
    env = {
        "UWSGI_FASTROUTER_KEY": name,
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_USER_AGENT": "uwsgi-healthcheck",
    }
    body = b"".join(
        struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
        for k, v in ((k.encode(), v.encode()) for k, v in env.items())
    )
    return struct.pack("<BHB", 0, len(body), 0) + body


def http_request():
    return b"GET / HTTP/1.0\r\nHost: localhost\r\nUser-Agent: uwsgi-healthcheck\r\n\r\n"


def program_apps():
    """The apps served by a supervisord program of their own: /run/vassals/NAME.conf."""
    return [path.stem for path in Path("/run/vassals").glob("*.conf")]


def status_line(name, via_router=False, http=False):
    """The first line of app `name`'s answer to `GET /`, and where it came from."""
    if via_router:
        where, family, request = ROUTER, socket.AF_INET, uwsgi_request(name)
    else:
        where, family = str(SOCKETS / f"{name}.sock"), socket.AF_UNIX
        request = http_request() if http or TRANSPORT == "http" else uwsgi_request(name)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT_S)
        try:
            sock.connect(where)
            sock.sendall(request)
            return sock.makefile("rb").readline().decode("latin-1").strip(), where
        except OSError as error:
            raise OSError(f"{where}: {error.strerror or error}") from error


def check(name, program=False):
    """(None, False) if app `name` answers below 500 on its socket (and, a vassal with the tcp
    transport, through the router too: the router alone would not reach a vassal that is down),
    else (what went wrong, whether it answered: 5xx or nothing valid). An app served by a program of
    its own speaks HTTP whatever the transport."""
    for via_router in (False, True) if TRANSPORT == "tcp" and not program else (False,):
        try:
            line, where = status_line(name, via_router, http=program)
        except OSError as error:
            return str(error), False
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            # It accepted the request and closed without an answer: an exception before
            # start_response, say. Broken, as a 5xx is.
            return f"{where}: no HTTP status line in the answer ({line!r})", True
        if int(parts[1]) >= 500:
            return f"{where}: answered {line!r}", True
    return None, False


def emperor_blacklist():
    """The names of the vassals the emperor blacklisted (empty if its stats cannot be read)."""
    try:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(TIMEOUT_S)
            connection.connect(EMPEROR_STATS)
            data = b"".join(iter(lambda: connection.recv(65536), b""))
        return {Path(entry["id"]).stem for entry in json.loads(data).get("blacklist", [])}
    except (OSError, ValueError):
        return set()


def programs_given_up():
    """The apps whose supervisord program died before it was up (gunicorn-NAME: NAME)."""
    result = subprocess.run(["supervisorctl", "status"], capture_output=True, text=True, check=False)
    return {
        fields[0].removeprefix("gunicorn-")
        for fields in (line.split() for line in result.stdout.splitlines())
        if len(fields) >= 2 and fields[1] in GAVE_UP
    }


def mark_apps(names):
    """NAME.app in this container's slot for each app it runs, and none for others (nginx/routes.conf)."""
    try:
        for marker in SOCKETS.glob("*.app"):
            if marker.stem not in names:
                marker.unlink(missing_ok=True)
        for marker in (SOCKETS / f"{name}.app" for name in names):
            if not marker.exists():
                marker.touch()
    except OSError:
        pass  # the slot is not made yet (uwsgi-traffic prepare): the next check marks them


def serves_the_traffic():
    return Path("/run/uwsgi/current").resolve() == SOCKETS


def main():
    every_app = "--all" in sys.argv[1:]
    names = sorted(p.stem for p in VASSALS.glob("*.ini"))
    programs = sorted(program_apps())
    if not names and not programs:
        print(f"unhealthy: no vassal files in {VASSALS}")
        return 1
    mark_apps({*names, *programs})
    results = {f"vassal {name!r}": check(name) for name in names}
    results |= {f"program app {name!r}": check(name, True) for name in programs}
    failures = {app: problem for app, (problem, _) in results.items() if problem}
    if failures:
        given_up = {f"vassal {name!r}" for name in emperor_blacklist()}
        if programs:
            given_up |= {f"program app {name!r}" for name in programs_given_up()}
        broken = {app for app, (_, answered_5xx) in results.items() if answered_5xx or app in given_up}
        degraded = serves_the_traffic() and len(failures) < len(results) and failures.keys() <= broken
        for app, problem in failures.items():
            print(f"{'broken' if app in broken else 'unhealthy'}: {app}: {problem}")
        if every_app or not degraded:
            return 1
        print("degraded: the other apps serve; nginx answers 503 for the broken")
        return 0
    print("healthy: " + ", ".join(names) + (f"; programs: {', '.join(programs)}" if programs else ""))
    # Under Swarm (extras/swarm) no scripts/deploy runs `uwsgi-traffic take` once a new task
    # is healthy: its first healthy check does, before Swarm sees it healthy and stops the old task.
    if os.environ.get("APP_TAKE_TRAFFIC_WHEN_HEALTHY") == "1" and not TOOK.exists():
        return subprocess.run(["uwsgi-traffic", "take"], check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())

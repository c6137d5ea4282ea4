#!/opt/venv/bin/python
"""The app container's health check: every enabled vassal must answer a real request, the way nginx
reaches it.

supervisord being up proves nothing: the emperor keeps a vassal that cannot start "running" forever
while its socket is gone. This sends `GET /` to each vassal in /run/vassals, over the transport
nginx uses (UWSGI_TRANSPORT: the uwsgi protocol on its unix socket, HTTP on it, or the uwsgi
protocol through the router's TCP port), and fails, naming the vassal, unless it answers with an
HTTP status below 500. So must every app served by a supervisord program of its own instead,
/run/vassals/NAME.conf (extras/gunicorn puts its programs there), over HTTP on its socket.
"""

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
    """None if app `name` answers below 500 on its socket (and, a vassal with the tcp transport,
    through the router too: the router alone would answer 404 for a vassal that is down), else what
    went wrong. An app served by a program of its own speaks HTTP whatever the transport."""
    for via_router in (False, True) if TRANSPORT == "tcp" and not program else (False,):
        try:
            line, where = status_line(name, via_router, http=program)
        except OSError as error:
            return str(error)
        parts = line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            return f"{where}: no HTTP status line in the answer ({line!r})"
        if int(parts[1]) >= 500:
            return f"{where}: answered {line!r}"
    return None


def main():
    names = sorted(p.stem for p in VASSALS.glob("*.ini"))
    programs = sorted(program_apps())
    if not names and not programs:
        print(f"unhealthy: no vassal files in {VASSALS}")
        return 1
    failures = {f"vassal {name!r}": problem for name in names if (problem := check(name))}
    failures |= {f"program app {name!r}": problem for name in programs if (problem := check(name, True))}
    for app, problem in failures.items():
        print(f"unhealthy: {app}: {problem}")
    if failures:
        return 1
    print("healthy: " + ", ".join(names) + (f"; programs: {', '.join(programs)}" if programs else ""))
    # Under Swarm (extras/swarm) no scripts/deploy runs `uwsgi-traffic take` once a new task
    # is healthy: its first healthy check does, before Swarm sees it healthy and stops the old task.
    if os.environ.get("APP_TAKE_TRAFFIC_WHEN_HEALTHY") == "1" and not TOOK.exists():
        return subprocess.run(["uwsgi-traffic", "take"], check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())

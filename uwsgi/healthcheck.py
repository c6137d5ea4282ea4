#!/opt/venv/bin/python
"""The app container's health check: every enabled vassal must answer a real request on its socket.

supervisord being up proves nothing: the emperor keeps a vassal that cannot start "running" forever
while its socket is gone. This sends `GET /` over the uwsgi protocol to each vassal in /run/vassals
and fails, naming the vassal, unless it answers with an HTTP status below 500.
"""

import os
import socket
import struct
import sys
from pathlib import Path

# The emperor's directory (uwsgi/emperor.ini): the repo's uwsgi/vassals/ under `make dev`.
VASSALS = Path(os.environ.get("VASSALS_DIR", "/run/vassals"))
# This container's own slot (uwsgi/traffic.py), whether or not nginx is pointed at it yet.
SOCKETS = Path("/run/uwsgi") / socket.gethostname()
TIMEOUT_S = 2.0


def uwsgi_request(path="/"):
    """A uwsgi packet: modifier1 0, vars size (uint16 LE), modifier2 0, then length-prefixed vars."""
    env = {
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


def check(name):
    """None if vassal `name` answers below 500, else what went wrong."""
    path = SOCKETS / f"{name}.sock"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(TIMEOUT_S)
            sock.connect(str(path))
            sock.sendall(uwsgi_request())
            status_line = sock.makefile("rb").readline().decode("latin-1").strip()
    except OSError as error:
        return f"{path}: {error.strerror or error}"
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        return f"{path}: no HTTP status line in the answer ({status_line!r})"
    if int(parts[1]) >= 500:
        return f"{path}: answered {status_line!r}"
    return None


def main():
    names = sorted(p.stem for p in VASSALS.glob("*.ini"))
    if not names:
        print(f"unhealthy: no vassal files in {VASSALS}")
        return 1
    failures = {name: problem for name in names if (problem := check(name))}
    for name, problem in failures.items():
        print(f"unhealthy: vassal {name!r}: {problem}")
    if failures:
        return 1
    print("healthy: " + ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/opt/venv/bin/python
"""Which app container nginx talks to: one slot per container on the shared volume, one symlink.

Every app container serves its vassals' sockets and pidfiles, and the apps' static files, in a
slot of its own, /run/uwsgi/HOSTNAME/ (uwsgi/vassal-defaults.ini: `%h`). nginx reaches them through
/run/uwsgi/current, a relative symlink to one slot. Re-pointing it is a rename, which is atomic:
every connection opened afterwards reaches the new slot, the ones already open finish on the old
one, and the old container's exit (uWSGI's `vacuum`) removes only files in its own slot.

  uwsgi-traffic prepare   entrypoint: lock this container's slot (fd 9, see below), empty the
                          slot, copy the apps' static files into it (MAIN_APP's at static/ too),
                          and take the traffic (pruning dead slots) unless another container is
                          serving it (a deploy)
  uwsgi-traffic take      point nginx at this container (scripts/deploy, once it is healthy; or
                          uwsgi-healthcheck itself under Swarm: APP_TAKE_TRAFFIC_WHEN_HEALTHY)
  uwsgi-traffic drained   wait until no connection waits in this container's listen queues
  uwsgi-traffic prune     remove the slots of containers that no longer serve anything
"""

import fcntl
import grp
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path

SOCKETS = Path("/run/uwsgi")
CURRENT = SOCKETS / "current"
SLOT = SOCKETS / socket.gethostname()
# Each app's static files, app/NAME/static/, to the slot's apps/NAME/static/ (nginx: /apps/NAME/static/,
# nginx/routes.conf, and /static/ on the app's own hosts, APP_HOSTS); the slot's static/ (nginx:
# /static/ on the default host) is a link to MAIN_APP's.
APPS = Path("/srv/app")
MAIN = os.environ.get("MAIN_APP") or "main"
VASSALS = Path("/run/vassals")
DRAIN_TIMEOUT_S = 10
# A slot is alive while its container runs: app/entrypoint.sh opens /run/uwsgi/.HOSTNAME.lock as fd 9
# and `prepare` flocks it; the lock stays with that open file, which supervisord inherits and keeps
# until the container ends. `prune` removes only slots whose lock it can take: not those of
# containers still starting (two Swarm replicas on one node start at once, and a slot whose vassals
# are not up yet does not answer: the other replica's prune would remove it and its vassals fail).
LOCK_FD = 9
# Written when this container took the traffic, on its private /tmp: a container takes it once, so
# under Swarm an old task's health checks never take it back from the new one (uwsgi/healthcheck.py).
TOOK = Path("/tmp/uwsgi-traffic-took")


def is_serving(slot):
    """True if a vassal in `slot` accepts connections."""
    for path in slot.glob("*.sock"):
        with socket.socket(socket.AF_UNIX) as probe:
            probe.settimeout(1)
            try:
                probe.connect(str(path))
            except OSError:
                continue
            return True
    return False


def lock_path(slot):
    return SOCKETS / f".{slot.name}.lock"


def is_alive(slot):
    """True while the container of `slot` holds its lock; without a lock file, if it serves."""
    try:
        handle = os.open(lock_path(slot), os.O_RDONLY)
    except FileNotFoundError:
        return is_serving(slot)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def prepare():
    try:
        fcntl.flock(LOCK_FD, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        sys.exit(f"uwsgi-traffic: cannot lock this container's slot on fd {LOCK_FD}: {error}")
    shutil.rmtree(SLOT, ignore_errors=True)
    SLOT.mkdir()
    # setgid: sockets, pidfiles and static files inherit the group nginx's worker is in (app/Dockerfile).
    os.chown(SLOT, -1, grp.getgrnam("sockets").gr_gid)
    SLOT.chmod(0o2750)
    for static in sorted(APPS.glob("*/static")):
        shutil.copytree(static, SLOT / "apps" / static.parent.name / "static")
    (SLOT / "static").symlink_to(Path("apps", MAIN, "static"))
    current = CURRENT.resolve()
    if current != SLOT and is_serving(current):
        print(f"uwsgi-traffic: {current.name} is serving; {SLOT.name} stands by until `take`")
    else:
        take()
        prune()


def take():
    """Point `current` at this slot: a new symlink renamed over the old one, never a missing link."""
    temporary = SOCKETS / f".current.{SLOT.name}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(SLOT.name)
    temporary.replace(CURRENT)
    TOOK.touch()
    print(f"uwsgi-traffic: nginx now connects to {SLOT.name}")


def listen_queue(stats):
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(2)
        connection.connect(str(stats))
        data = b"".join(iter(lambda: connection.recv(65536), b""))
    return json.loads(data)["listen_queue"]


def drained():
    """Once traffic moved away, wait for the connections queued before the switch to be accepted:
    a stopping uWSGI resets whatever still waits in its backlog."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while (waiting := sum(listen_queue(stats) for stats in VASSALS.glob("*.stats"))) > 0:
        if time.monotonic() > deadline:
            print(f"uwsgi-traffic: {waiting} connections still queued after {DRAIN_TIMEOUT_S} s")
            return 1
        time.sleep(0.1)
    return 0


def prune():
    current = CURRENT.resolve()
    for slot in SOCKETS.iterdir():
        others = slot.is_dir() and not slot.is_symlink() and slot not in (current, SLOT)
        if others and not is_alive(slot):
            shutil.rmtree(slot)
            lock_path(slot).unlink(missing_ok=True)
            print(f"uwsgi-traffic: removed the slot of {slot.name}")


COMMANDS = {"prepare": prepare, "take": take, "drained": drained, "prune": prune}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]]())

"""Bench variant "host": the stack's nginx config and api vassal as plain processes on this host.

What this machine can do with the same config and no container around it (the limit,
measured in the same run). Debian's nginx from apt, uWSGI and the app's pinned requirements
(app/requirements.txt, with their hashes) in a virtualenv under .tools/, keyed on the pins' hash.
Nothing of the shipped config is copied or edited: extras/bench/host/namespace.sh runs both programs in
private mount, UTS and PID namespaces (unshare, as root) where bind mounts and tmpfs put the
repo's files at the images' paths (/etc/nginx, /etc/uwsgi, /srv/app, /opt/venv, /run/uwsgi, ...),
then nginx/entrypoint.sh renders /tmp/nginx with compose.yaml's default knobs and runs nginx as
www-data, and extras/bench/host/app.sh does what app/entrypoint.sh does (uwsgi/knobs.sh, uwsgi-traffic
prepare) and runs uWSGI with uwsgi/vassals/api.ini as user app.

Where it differs from the containers, and why:
- Debian 12's nginx 1.22 and Python 3.11 here, trixie's nginx 1.26 and Python 3.13 in the images
  (versions() reports them; the pins install on both, uWSGI compiles from its sdist).
- No emperor and no supervisord: the api vassal runs alone, its backlog (`listen`, which the
  emperor sets for every vassal) given on uWSGI's command line. Both are idle under load.
- uWSGI is built without PCRE (the image's build has libpcre2-dev for UWSGI_TRANSPORT=http's
  internal routing); the unix transport, the one measured, does not use it.
- The access log (`/dev/stdout`, buffer=64k) goes to a file in the variant's temp dir: in the
  containers stdout is Docker's log pipe, read and written out again by dockerd, whose CPU is part
  of what the container variants pay and this one does not.
- One /tmp for both programs (the containers have one each) and one socket directory on a tmpfs
  instead of a volume shared by two containers; the app code is the suite checkout's, not compiled
  to .pyc ahead as in the image (PYTHONDONTWRITEBYTECODE as there; its virtualenv is compiled, as
  the image's): imports at worker start only, not per request.
- The knobs are compose.yaml's defaults: the environment and .env are not read.
- Capabilities and no-new-privileges as in compose.yaml (setpriv), but no read-only root
  filesystem, no memory or pids limits, and the host's net.core.somaxconn (4096 here; 1024 in the
  app container: the backlog is UWSGI_LISTEN = 1024 either way).
"""

import contextlib
import ctypes
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "stack"))
# The suite's checkout (tests/stack/copies.py; `make bench` writes it): the bench serves the
# suite's own api app, as its container variants do.
from harness import SUITE as ROOT  # noqa: E402
from harness import SUITE_IMAGES  # noqa: E402

REQUIREMENTS = ROOT / "app" / "requirements.txt"
NAMESPACE = ROOT / "extras" / "bench" / "host" / "namespace.sh"
# Debian's Python (python3-dev's headers are for it), not whichever python3 comes first on PATH.
PYTHON = "/usr/bin/python3"
# nginx-variants/host.listen.conf listens here: neither `make up` (8080) nor host-network (18080).
PORT = 18081
# The images' ids (build args of app/Dockerfile and nginx/Dockerfile).
APP_UID, SOCKETS_GID = 10001, 10500
# Mount points the namespace needs that the host may not have: made empty, removed by down().
MOUNT_POINTS = (Path("/etc/uwsgi"),)
READY_PATH = "/apps/api/ping"
# Where extras/bench/host/namespace.sh binds the repo inside the namespace (the stage's symlinks point
# there): the repo may be under /tmp, which the namespace covers with a tmpfs.
IN_NAMESPACE = Path("/run/bench/root")
# Temp dirs: wsgi-stack-host-PID-*, PID the bench's process.
STAGE_PREFIX = "wsgi-stack-host-"
ROLES = {
    "nginx: master process": "nginx master",
    "nginx: worker process": "nginx worker",
    "[api] uWSGI master": "uwsgi master",
    "[api] uWSGI worker": "uwsgi worker",
}


def _run(*command):
    """The output of a command, stripped; None if it cannot run."""
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None


def _missing_packages():
    """Debian packages the variant needs that are not installed: nginx, envsubst for
    nginx/entrypoint.sh, and what compiling uWSGI from its sdist into a venv takes."""
    headers = "import os, sysconfig; print(os.path.exists(sysconfig.get_paths()['include'] + '/Python.h'))"
    needs = {
        "nginx": Path("/usr/sbin/nginx").exists(),
        "gettext-base": shutil.which("envsubst") is not None,
        "gcc": shutil.which("gcc") is not None,
        "python3-dev": _run(PYTHON, "-c", headers) == "True",
        "python3-venv": _run(PYTHON, "-c", "import ensurepip; print('ok')") == "ok",
    }
    return [package for package, present in needs.items() if not present]


# As app/pip-install.sh installs in the image's build stage (compiled to bytecode).
PIP_INSTALL = ("install", "--quiet", "--require-hashes")


def venv_path():
    """.tools/host-venv-HASH: a new one whenever app/requirements.txt, the Python or the way pip
    installs changes."""
    python = _run(PYTHON, "--version") or ""
    key = REQUIREMENTS.read_bytes() + python.encode() + " ".join(PIP_INSTALL).encode()
    digest = hashlib.sha256(key).hexdigest()[:16]
    return ROOT / ".tools" / f"host-venv-{digest}"


def ensure_venv():
    venv = venv_path()
    if (venv / ".installed").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)  # a half-made one from an interrupted run
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), *PIP_INSTALL]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    (venv / ".installed").touch()
    return venv


def _version(command, prefix):
    """The word after `prefix` in a command's output (stdout or stderr: `nginx -v` uses stderr)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = (result.stdout + result.stderr).partition(prefix)[2].split() if prefix else result.stdout.split()
    return words[0] if words else None


def versions():
    """nginx, Python and uWSGI of this variant, and the images' nginx and Python (when built), for
    the bench's facts: the host variant runs other versions than the containers."""
    venv = venv_path()
    found = {
        "host_nginx": _version(["/usr/sbin/nginx", "-v"], "nginx/"),
        "host_python": _version([PYTHON, "--version"], "Python "),
        "host_uwsgi": _version([str(venv / "bin" / "uwsgi"), "--version"], ""),
    }
    prefix, tag = os.environ.get("IMAGE_PREFIX", "wsgi-stack"), SUITE_IMAGES["IMAGE_TAG"]
    for key, image, command, word in (
        ("image_nginx", f"{prefix}-nginx:{tag}", ["nginx", "-v"], "nginx/"),
        ("image_python", f"{prefix}-app:{tag}", ["python3", "--version"], "Python "),
    ):
        run = ["docker", "run", "--rm", "--network", "none", "--entrypoint", command[0], image, *command[1:]]
        found[key] = _version(run, word)
    return found


def rss_mib(pid):
    """A process's resident memory, from the host's /proc (containers' processes are visible)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _remove_stale_stages():
    """The temp dirs of benches that died without their down() (SIGKILL): their PID is gone."""
    for stage in Path(tempfile.gettempdir()).glob(f"{STAGE_PREFIX}*-*"):
        pid = stage.name.removeprefix(STAGE_PREFIX).split("-")[0]
        if pid.isdigit() and not Path("/proc", pid).exists():
            shutil.rmtree(stage, ignore_errors=True)


def _stage_files(stage):
    """The files the namespace mounts: /etc/nginx as nginx/Dockerfile assembles it (Debian's
    mime.types and uwsgi_params, the repo's nginx/*.conf, transport/ and templates/, with the
    bench's listen.conf), and passwd/group with the images' users and groups added."""
    etc = stage / "etc-nginx"
    etc.mkdir(mode=0o755)
    for name in ("mime.types", "uwsgi_params"):
        shutil.copy2(Path("/etc/nginx") / name, etc / name)
    nginx = ROOT / "nginx"
    for path in [*sorted(nginx.glob("*.conf")), nginx / "transport", nginx / "templates"]:
        (etc / path.name).symlink_to(IN_NAMESPACE / path.relative_to(ROOT))
    (etc / "listen.conf").unlink()
    variants = IN_NAMESPACE / "extras" / "bench" / "nginx-variants"
    (etc / "listen.conf").symlink_to(variants / "host.listen.conf")
    ours = {"app", "sockets"}
    # app/Dockerfile: `useradd --uid 10001 --user-group --groups sockets app`; nginx/Dockerfile:
    # www-data joins sockets.
    entries = {
        "passwd": [f"app:x:{APP_UID}:{APP_UID}::/nonexistent:/usr/sbin/nologin"],
        "group": [f"app:x:{APP_UID}:", f"sockets:x:{SOCKETS_GID}:app,www-data"],
    }
    for name, added in entries.items():
        host = Path("/etc", name).read_text().splitlines()
        kept = [line for line in host if line.split(":", 1)[0] not in ours]
        (stage / name).write_text("\n".join([*kept, *added]) + "\n")
        (stage / name).chmod(0o644)


def _process_group(pgid):
    """[(pid, command line)] of every process in the group `pgid` (host pids)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # exited meanwhile
        # The fields after the command name, which may hold spaces or parentheses: state ppid pgrp ...
        if int(stat.rpartition(")")[2].split()[2]) == pgid:
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace").strip()))
    return found


def _die_with_parent():
    """In unshare, before it runs: SIGKILL when the bench's process dies, even by SIGKILL, so that
    nothing outlives it (unshare's --kill-child then takes its namespace's processes along)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


class HostStack:
    """What extras/bench/variants.py's ComposeVariant offers: up(), down(), pause(), resume(), memory();
    plus processes(). `address` is where nginx listens."""

    def __init__(self, port=PORT, ready_timeout=60):
        self.address = ("127.0.0.1", port)
        self.ready_timeout = ready_timeout
        self.process = None
        self.stage = None
        self.made = []
        self.setup_s = None

    def install(self):
        missing = _missing_packages()
        if missing:
            # Debian's nginx package starts its service after installing unless policy-rc.d says no
            # (it does on this machine and in Docker images); this variant never uses that one.
            subprocess.run([str(ROOT / "scripts" / "apt-install"), *missing], check=True)
        return ensure_venv()

    def up(self, *services):
        """Install what is missing, start nginx and the api vassal, wait for a 200 through nginx on
        /apps/api/ping. `services` is ignored (the variant has one of each). Idempotent."""
        if self.process and self.process.poll() is None:
            return
        if os.geteuid() != 0:
            raise RuntimeError("the host variant needs root (unshare, mount); else BENCH_VARIANTS without it")
        started = time.monotonic()
        venv = self.install()
        with socket.socket() as probe:
            if probe.connect_ex(self.address) == 0:
                host, port = self.address
                raise RuntimeError(f"{host}:{port} is in use: the host variant needs it")
        try:
            for path in MOUNT_POINTS:
                # An empty one is a mount point too, maybe left by a bench that was SIGKILLed.
                if not path.exists() or not any(path.iterdir()):
                    path.mkdir(exist_ok=True)
                    self.made.append(path)
            _remove_stale_stages()
            self.stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
            _stage_files(self.stage)
            log = self.stage / "log"
            log.touch()
            # nginx reopens /dev/stdout (access_log) as www-data: as runc does for a container's
            # stdio, the file belongs to that user.
            www_data = pwd.getpwnam("www-data")
            os.chown(log, www_data.pw_uid, www_data.pw_gid)
            slot = f"host-{os.getpid()}"
            # --kill-child: if unshare dies, the namespace's first process and so all of it goes too.
            namespaces = ["--mount", "--uts", "--pid", "--fork", "--kill-child", "--propagation", "private"]
            command = ["unshare", *namespaces, str(NAMESPACE), str(self.stage), str(venv), slot]
            # A clean environment: compose.yaml's default knobs, and the images' ENV (app/Dockerfile).
            env = {
                "PATH": "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONUNBUFFERED": "1",
            }
            with log.open("ab") as output:
                self.process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,  # its own process group: pause, resume and down signal it
                    preexec_fn=_die_with_parent,  # noqa: PLW1509 - the bench has no other threads
                )
            self._wait_ready()
        except BaseException:
            tail = self.log_tail()
            self.down()
            if tail:
                print(f"host variant's log (last lines):\n{tail}", file=sys.stderr)
            raise
        self.setup_s = time.monotonic() - started

    def _wait_ready(self):
        url = f"http://{self.address[0]}:{self.address[1]}{READY_PATH}"
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the host variant exited ({self.process.returncode}) before answering")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 404 until the vassal's pidfile exists
            time.sleep(0.2)
        raise RuntimeError(f"no 200 from {url} within {self.ready_timeout} s")

    def log_tail(self, lines=30):
        log = self.stage / "log" if self.stage else None
        if not log or not log.exists():
            return ""
        with log.open("rb") as file:
            file.seek(max(0, log.stat().st_size - 16384))
            return "\n".join(file.read().decode(errors="replace").splitlines()[-lines:])

    def _signal(self, number):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, number)

    def pause(self):
        """SIGSTOP to every process of the variant (the namespace's shell and unshare too)."""
        self._signal(signal.SIGSTOP)

    def resume(self):
        self._signal(signal.SIGCONT)

    def processes(self):
        """[(pid, role)]: nginx master and workers, uWSGI master and workers, host pids (their
        /proc/PID/status has VmRSS). The namespace's shell, setpriv and unshare are left out."""
        if not self.process:
            return []
        found = []
        for pid, cmdline in _process_group(self.process.pid):
            role = next((role for title, role in ROLES.items() if cmdline.startswith(title)), None)
            if role:
                found.append((pid, role))
        return sorted(found)

    def memory(self):
        """MiB resident, as the container variants report it: uWSGI's processes stand for the app
        container and the vassal, nginx's for the nginx container."""
        weights = {"app": 0.0, "nginx": 0.0}
        for pid, role in self.processes():
            weights[role.split()[0].replace("uwsgi", "app")] += rss_mib(pid)
        weights["vassal"] = weights["app"]
        return weights

    def down(self, timeout=20):
        """Stop everything it started (SIGTERM: nginx's fast stop, uWSGI's die-on-term; SIGKILL for
        what is left after `timeout`), remove its temp dir and the mount points it made. The mounts
        were only ever in the namespace, which goes with its last process."""
        if self.process:
            pgid = self.process.pid
            for number in (signal.SIGCONT, signal.SIGTERM):  # a paused variant must see the TERM
                try:
                    os.killpg(pgid, number)
                except ProcessLookupError:
                    break
            deadline = time.monotonic() + timeout
            while _process_group(pgid) and time.monotonic() < deadline:
                self.process.poll()  # reap unshare once it exits
                time.sleep(0.1)
            if _process_group(pgid):
                os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
        if self.stage:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
        for path in reversed(self.made):
            with contextlib.suppress(OSError):  # something else put a file there since: not ours
                path.rmdir()
        self.made = []


if __name__ == "__main__":
    # `python3 extras/bench/host.py`: bring the variant up, print where, wait for Enter, tear it down.
    stack = HostStack()
    try:
        stack.up()
        print(f"host variant up in {stack.setup_s:.1f} s on http://{stack.address[0]}:{stack.address[1]}")
        for pid, role in stack.processes():
            print(f"  {pid:>7} {role}")
        input("Enter stops it ...")
    finally:
        stack.down()

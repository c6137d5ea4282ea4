"""One Compose project of the real stack, driven by the Compose CLI and inspected by the Docker SDK."""

import json
import os
import subprocess
import time
from pathlib import Path

import docker
import requests

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = [str(ROOT / "scripts" / "compose")]
COMPOSE_FILES = [ROOT / "compose.yaml", ROOT / "tests" / "compose.test.yaml"]
# The checkout every test stack runs, with the suite's own apps (tests/stack/copies.py), and the
# tag of its images: `make test-images` writes and builds them (the Makefile's SUITE and SUITE_TAG).
SUITE = ROOT / ".tools" / "suite"
SUITE_IMAGES = {"IMAGE_TAG": "test"}
# Workers per vassal: `processes` in uwsgi/vassal-defaults.ini.
WORKERS = 2
# uWSGI's stats socket answers one JSON document and closes: print the pids of the workers busy
# with a request whose CGI variables contain argv[2].
BUSY_WORKERS = """
import json, socket, sys
with socket.socket(socket.AF_UNIX) as stats:
    stats.connect(sys.argv[1])
    data = b"".join(iter(lambda: stats.recv(65536), b""))
print(*(worker["pid"] for worker in json.loads(data)["workers"] if worker["status"] == "busy"
        and any(sys.argv[2] in var for core in worker["cores"] for var in core["vars"])))
"""
# A vassal's stats socket (uwsgi/vassal-defaults.ini: stats) answers one JSON document and closes.
VASSAL_STATS = """
import socket, sys
with socket.socket(socket.AF_UNIX) as stats:
    stats.connect(f"/run/vassals/{sys.argv[1]}.stats")
    print(b"".join(iter(lambda: stats.recv(65536), b"")).decode())
"""
NGINX_ERROR_LEVELS = ("error", "crit", "alert", "emerg")
# Write {relative path: text} (argv[2], JSON) under the directory argv[1], each file under a temporary
# name first and then renamed into place, so a watcher (the emperor polls every 3 s) never sees it
# half written. Through exec, not the archive API: /run/vassals is a tmpfs, which `docker cp` cannot
# reach.
WRITE_FILES = """
import json, pathlib, sys
directory = pathlib.Path(sys.argv[1])
for name, text in json.loads(sys.argv[2]).items():
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.rename(path)
"""
# The image has no `ps`: list "pid title" from /proc, skipping processes that exit meanwhile.
LIST_PROCESSES = """
import pathlib
for proc in pathlib.Path("/proc").iterdir():
    try:
        # One line per process: arguments may hold newlines (this script's own `python3 -c` does).
        title = " ".join((proc / "cmdline").read_bytes().replace(b"\\0", b" ").decode().split())
    except OSError:
        continue
    if proc.name.isdigit() and title:
        print(proc.name, title)
"""


def wait_until(check, timeout, what, interval=0.2):
    """Poll `check` until it returns a truthy value; return it, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def compose_as_shipped(*args, **knobs):
    """Compose on compose.yaml (plus any `-f` in args), without .env or knobs from the environment:
    the defaults, or the `knobs` given."""
    shipped = ("HTTP_BIND", "HTTP_PORT", "SUPERVISOR_PORT")
    env = {k: v for k, v in os.environ.items() if k not in shipped and not k.startswith("COMPOSE_")}
    env.update(knobs)
    command = [
        *COMPOSE,
        "--project-directory",
        str(ROOT),
        "--env-file",
        "/dev/null",
        "-f",
        str(ROOT / "compose.yaml"),
    ]
    result = subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def post_note(base_url, body):
    """Add a note through the suite's main app (tests/apps/app/main)."""
    response = requests.post(f"{base_url}/notes", data={"body": body}, timeout=10, allow_redirects=False)
    assert response.status_code == 303, response.text


class HttpClient:
    """GET/POST to a stack's nginx: path in, requests.Response out, no redirects followed. The
    published port is looked up for every request: it changes when nginx is recreated."""

    def __init__(self, stack):
        self.stack = stack

    @property
    def base_url(self):
        return self.stack.base_url

    def get(self, path, timeout=10, **kwargs):
        return self.request("GET", path, timeout, **kwargs)

    def post(self, path, timeout=10, **kwargs):
        return self.request("POST", path, timeout, **kwargs)

    def request(self, method, path, timeout=10, **kwargs):
        return requests.request(
            method, self.base_url + path, timeout=timeout, allow_redirects=False, **kwargs
        )

    def wait_for_status(self, path, status, timeout=30):
        """Poll until `path` answers `status`; return that response."""
        # A list, so that a 4xx/5xx response (falsy in requests) still ends the wait.
        (response,) = wait_until(
            lambda: (r := self.get(path)).status_code == status and [r],
            timeout,
            f"{path} to answer {status}",
        )
        return response


class Stack:
    """`overrides`: more Compose files after compose.yaml and the test override (the bench's variants,
    extras/tls/compose.yaml); `env`: knobs for Compose, over the environment's (e.g. TRUSTED_PROXIES);
    `root`: the checkout to run (the suite's, or a test's altered copy of it)."""

    def __init__(self, project, overrides=(), env=None, root=SUITE):
        if not (root / "compose.yaml").exists():
            raise RuntimeError(f"{root} is missing: `make test-images` writes it (`make test` does)")
        self.project = project
        self.root = root
        shipped = (root / path.relative_to(ROOT) for path in COMPOSE_FILES)
        self.files = [*shipped, *(root / path for path in overrides)]
        self.env = {**SUITE_IMAGES, **(env or {})}
        self.docker = docker.from_env()

    def compose(self, *args, check=True, timeout=600):
        files = [arg for path in self.files for arg in ("-f", str(path))]
        command = [*COMPOSE, "--project-directory", str(self.root), "-p", self.project, *files, *args]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, **self.env},
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return result

    def up(self, *services):
        """Start and wait until healthy. No `--build`: `make test` built the images already, and
        Compose labels what it builds with the project, so each extra project's rebuild of the same
        source would make a new image and leave the last one dangling. Images that do not exist yet
        (another IMAGE_TAG, a bench variant) Compose builds."""
        self.compose("up", "--detach", "--wait", "--wait-timeout", "180", *services)

    def down(self):
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "45")

    def leftovers(self):
        """Whatever of this project still exists in Docker (nothing, after down)."""
        label = {"label": f"com.docker.compose.project={self.project}"}
        return (
            [c.name for c in self.docker.containers.list(all=True, filters=label)]
            + [n.name for n in self.docker.networks.list(filters=label)]
            + [v.name for v in self.docker.volumes.list(filters=label)]
        )

    def container(self, service):
        """The service's one container, found by Compose's labels, its attrs fresh."""
        labels = [f"com.docker.compose.project={self.project}", f"com.docker.compose.service={service}"]
        (found,) = self.docker.containers.list(all=True, filters={"label": labels})
        return found

    def health(self, service):
        return self.container(service).attrs["State"]["Health"]

    def published(self, service, port):
        """(host, port) where the service's container port is published."""
        (binding,) = self.container(service).ports[f"{port}/tcp"]
        return binding["HostIp"], int(binding["HostPort"])

    def network(self):
        """The IPAM config ({"Subnet": …, "Gateway": …}) of the network nginx is on. Clients on
        127.0.0.1 reach the published port through docker-proxy: nginx sees them at the Gateway."""
        (name,) = self.container("nginx").attrs["NetworkSettings"]["Networks"]
        (config,) = self.docker.networks.get(name).attrs["IPAM"]["Config"]
        return config

    @property
    def address(self):
        return self.published("nginx", 8080)

    @property
    def base_url(self):
        return "http://{}:{}".format(*self.address)

    def try_exec(self, service, *command):
        """Run a command in the service's container; return its exit code and output."""
        code, output = self.container(service).exec_run(list(command))
        return code, output.decode(errors="replace")

    def exec(self, service, *command):
        """Run a command in the service's container; return its output, failing if it fails."""
        code, text = self.try_exec(service, *command)
        assert code == 0, f"{command} in {service} exited {code}: {text}"
        return text

    def refused_start_log(self, service, knobs):
        """Run the service's image alone with `knobs` in its environment (somaxconn as compose.yaml
        sets it); it must exit 1 at once. Its log, which names the bad knob."""
        image = self.container(service).image
        container = self.docker.containers.run(
            image, environment=knobs, sysctls={"net.core.somaxconn": "1024"}, detach=True
        )
        try:
            assert container.wait(timeout=30)["StatusCode"] == 1
            return container.logs().decode()
        finally:
            container.remove(force=True)

    def put_file(self, service, path, content):
        """Write a file into the container, atomically (see WRITE_FILES)."""
        path = Path(path)
        self.put_files(service, path.parent, {path.name: content})

    def put_files(self, service, directory, files):
        """Write {relative path: text} under `directory` (created) in the container."""
        self.exec(service, "python3", "-c", WRITE_FILES, str(directory), json.dumps(files))

    def run(self, *command, env=None, timeout=120):
        """Run a host command against this project (Compose reads its project and files from the
        environment, as `make` and scripts/deploy call it), with its knobs; return the finished
        process."""
        env = {
            **os.environ,
            "COMPOSE_PROJECT_NAME": self.project,
            "COMPOSE_FILE": os.pathsep.join(str(path) for path in self.files),
            **self.env,
            **(env or {}),
        }
        return subprocess.run(
            command, check=False, cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout
        )

    def make(self, target, env=None):
        """Run a Makefile target against this project; return its stdout, failing if it fails."""
        result = self.run("make", "--no-print-directory", target, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def wait_healthy(self, timeout=120):
        wait_until(
            lambda: all(self.health(service)["Status"] == "healthy" for service in ("app", "nginx")),
            timeout,
            "app and nginx to be healthy",
            interval=0.5,
        )

    def wait_running(self, program="uwsgi-emperor", timeout=10):
        """Wait until supervisord calls `program` RUNNING: healthy apps can come before that, since
        a program is STARTING for its first startsecs (2 s: supervisor/supervisord.conf)."""
        wait_until(
            lambda: self.try_exec("app", "supervisorctl", "status", program)[1].split()[1:2] == ["RUNNING"],
            timeout,
            f"supervisord to call {program} RUNNING",
            interval=0.5,
        )

    def wait_unhealthy(self, timeout, interval):
        """Wait for the app container's health check to fail; its health (Log[-1] names the app)."""
        return wait_until(
            lambda: (health := self.health("app"))["Status"] == "unhealthy" and health,
            timeout=timeout,
            what="the app container to turn unhealthy",
            interval=interval,
        )

    def vassal_stats(self, vassal):
        """A vassal's uWSGI stats: its workers (pids, threads, memory), sockets, listen queue."""
        return json.loads(self.exec("app", "python3", "-c", VASSAL_STATS, vassal))

    def kill(self, pid, signal_number=9):
        """Send a signal to a process of the app container (as its user: no capability needed)."""
        self.exec(
            "app",
            "python3",
            "-c",
            "import os, sys; os.kill(int(sys.argv[1]), int(sys.argv[2]))",
            str(pid),
            str(signal_number),
        )

    def processes(self):
        """[(pid, title)] of the app container's processes, pids as the container sees them."""
        lines = self.exec("app", "python3", "-c", LIST_PROCESSES).splitlines()
        return [(int(pid), title) for pid, _, title in (line.partition(" ") for line in lines)]

    def emperor_pid(self):
        titles = {title: pid for pid, title in self.processes()}
        return titles.get("/opt/venv/bin/uwsgi --ini /etc/uwsgi/emperor.ini")

    def busy_workers(self, name, request=""):
        """The pids of vassal `name`'s workers handling a request (whose CGI variables contain
        `request`), from the vassal's stats socket."""
        stats = f"/run/vassals/{name}.stats"
        return [int(pid) for pid in self.exec("app", "python3", "-c", BUSY_WORKERS, stats, request).split()]

    def vassal_processes(self, name):
        """{'master': pid, 'workers': {pid, ...}} of the vassal `name` (pids as the container sees them,
        as in the apps' X-Vassal header), from the process titles uWSGI sets (auto-procname)."""
        pids = {"master": None, "workers": set()}
        for pid, title in self.processes():
            if title == f"[{name}] uWSGI master":
                pids["master"] = pid
            elif title.startswith(f"[{name}] uWSGI worker"):
                pids["workers"].add(pid)
        return pids

    def wait_for_workers(self, name, gone, timeout, what):
        """Wait until vassal `name` has its WORKERS again, none of them among the pids `gone`;
        return their pids."""

        def replaced():
            workers = self.vassal_processes(name)["workers"]
            return len(workers) == WORKERS and not workers & gone and workers

        return wait_until(replaced, timeout, what)

    def diagnostics(self):
        """`ps -a`, every container's last lines, and nginx's error lines (the access log buries
        them under load): attached to a failing test's report."""
        parts = [self.compose("ps", "--all", check=False).stdout]
        for container in self.docker.containers.list(
            all=True, filters={"label": f"com.docker.compose.project={self.project}"}
        ):
            logs = container.logs().decode(errors="replace").splitlines()
            errors = [line for line in logs if any(f"[{level}]" in line for level in NGINX_ERROR_LEVELS)]
            parts.append(f"---- {container.name} ({container.status}): last 200 lines ----")
            parts.extend(logs[-200:])
            if errors:
                parts.append(f"---- {container.name}: nginx error lines, last 100 of {len(errors)} ----")
                parts.extend(errors[-100:])
        return "\n".join(parts)

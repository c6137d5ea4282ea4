"""`make swarm-up`'s stack (this extra's script and compose.swarm.yaml) on a
single-node swarm. Deployed, probed through 127.0.0.1, updated to a new app image under load (a
start-first rolling update), a broken image rolled back by Swarm itself, an unhealthy task replaced,
removed with nothing left behind.

The swarm is this node's: initialised only if there is none, and left only if this module made it.
The stack has a name of its own and an ephemeral port (HTTP_PORT=0), so it never meets a
`make swarm-up` stack; the images are the ones `make test` built (harness.SUITE_IMAGES).
"""

import contextlib
import datetime
import json
import os
import secrets
import subprocess
import threading
import time
import types
import uuid

import docker
import pytest
import requests
from harness import (
    BUSY_WORKERS,
    ROOT,
    SUITE,
    SUITE_IMAGES,
    WRITE_FILES,
    compose_as_shipped,
    post_note,
    wait_until,
)
from load import Load, not_200_is_a_failure
from stack_fixtures import BROKEN_VASSAL, LAB_VASSAL, lab_code
from test_deploy import VERSION_APP, VERSION_VASSAL, _derived_image

pytestmark = pytest.mark.slow
PATHS = ["/apps/api/", "/"]
# The suite's checkout (harness.SUITE), as every test stack: its apps, no .env of yours.
SWARM = [str(SUITE / "extras" / "swarm" / "swarm")]
UPDATE_TIMEOUT_S = 120
# supervisord's web UI and PostgreSQL are extras: where one is present, the stacks run it (its
# overlay in COMPOSE_FILE, as make sets it), and its password's way from a swarm secret to its
# program is checked end to end.
UI_EXTRA = (ROOT / "extras" / "supervisor-ui").exists()
DB_EXTRA = (ROOT / "extras" / "postgres").exists()


def docker_cli(*args, check=True, timeout=180):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


@pytest.fixture(autouse=True)
def healthy():
    """Overrides stack_fixtures': these tests never use the session's Compose stack."""


@pytest.fixture(scope="module")
def swarm():
    """This node's swarm: the one there is, else a single-node one made here and left afterwards."""
    made = docker_cli("info", "--format", "{{.Swarm.LocalNodeState}}").strip() != "active"
    # The bridge Swarm's tasks reach the outside through: created with the first task, kept by
    # `swarm leave`. Removed too if it came with the swarm made here.
    bridge_before = docker_cli("network", "ls", "--quiet", "--filter", "name=^docker_gwbridge$").strip()
    if made:
        docker_cli("swarm", "init")
    try:
        yield
    finally:
        if made:
            docker_cli("swarm", "leave", "--force")
            if not bridge_before:
                docker_cli("network", "rm", "docker_gwbridge", check=False)


class SwarmStack:
    def __init__(self, name, env):
        self.name, self.env = name, env
        self.docker = docker.from_env()

    def swarm(self, *args, timeout=300):
        """extras/swarm/swarm against this stack; the finished process."""
        return subprocess.run(
            [*SWARM, *args],
            env={**os.environ, **SUITE_IMAGES, **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    @property
    def address(self):
        return ("127.0.0.1", int(self.swarm("port").stdout.strip()))

    @property
    def base_url(self):
        return "http://{}:{}".format(*self.address)

    def service(self, name):
        return self.docker.services.get(f"{self.name}_{name}")

    def tasks(self, name, state="running"):
        """The service's tasks Swarm wants in `state` (running: serving or starting)."""
        return self.service(name).tasks(filters={"desired-state": state})

    def app_containers(self):
        """The running app task containers, freshest attrs."""
        label = f"com.docker.swarm.service.name={self.name}_app"
        return self.docker.containers.list(filters={"label": label})

    def settled(self):
        """The app containers, once there are as many as tasks wanted (one per node, or APP_REPLICAS
        with the tcp topology) and every one is healthy; else None."""
        wanted = int(self.env.get("APP_REPLICAS", 2)) if self.env.get("UWSGI_TRANSPORT") == "tcp" else 1
        containers = self.app_containers()
        healthy = [c for c in containers if c.attrs["State"].get("Health", {}).get("Status") == "healthy"]
        return containers if len(healthy) == len(containers) == wanted else None

    def serving_app(self):
        """The one app container, once it is healthy (the unix topology on one node)."""
        return (containers := self.settled()) and containers[0]

    def update_state(self, name):
        status = self.service(name).attrs.get("UpdateStatus") or {}
        return status.get("State", ""), status.get("Message", "")

    def leftovers(self):
        """What of this stack still exists in Docker: services, containers, networks, volumes, secrets."""
        label = {"label": f"com.docker.stack.namespace={self.name}"}
        return (
            [s.name for s in self.docker.services.list(filters=label)]
            + [c.name for c in self.docker.containers.list(all=True, filters=label)]
            + [n.name for n in self.docker.networks.list(filters=label)]
            + [v.name for v in self.docker.volumes.list(filters=label)]
            + [s.name for s in self.docker.secrets.list() if s.name.startswith(f"{self.name}_")]
        )

    def remove(self):
        """extras/swarm/swarm down --volumes; nothing of the stack may be left, the anonymous volumes of its
        tasks (/tmp, /run/vassals), which carry no stack label, included."""
        volumes = self.task_volumes()
        result = self.swarm("down", "--volumes")
        assert result.returncode == 0, result.stderr
        assert not self.leftovers(), f"swarm down left these behind: {self.leftovers()}"
        remaining = {v.name for v in self.docker.volumes.list()} & volumes
        assert not remaining, f"the tasks' volumes were left behind: {remaining}"

    def task_volumes(self):
        """The names of the volumes the stack's containers (running or stopped tasks) mount."""
        label = {"label": f"com.docker.stack.namespace={self.name}"}
        return {
            mount["Name"]
            for container in self.docker.containers.list(all=True, filters=label)
            for mount in container.attrs["Mounts"]
            if mount["Type"] == "volume"
        }

    def diagnostics(self):
        parts = [docker_cli("stack", "ps", self.name, "--no-trunc", check=False)]
        for service in ("app", "nginx"):
            parts.append(
                docker_cli(
                    "service", "logs", "--timestamps", "--tail", "60", f"{self.name}_{service}", check=False
                )
            )
        return "\n".join(parts)


@pytest.fixture(scope="module")
def stack(swarm):
    """The stack, deployed with the supervisor web UI on where its extra is present (its password a
    swarm secret); removed with its volumes afterwards, nothing left behind (anonymous volumes of
    its tasks included)."""
    name = f"wsgi-swarm-test-{uuid.uuid4().hex[:8]}"
    env = {
        "SWARM_STACK": name,
        "HTTP_PORT": "0",
        "COMPOSE_FILE": "compose.yaml:extras/supervisor-ui/compose.yaml" if UI_EXTRA else "compose.yaml",
        "SUPERVISOR_UI": "1" if UI_EXTRA else "0",
        "SUPERVISOR_USER": "admin",
        "SUPERVISOR_PASSWORD": secrets.token_urlsafe(18),
    }
    stack = SwarmStack(name, env)
    try:
        started = time.monotonic()
        result = stack.swarm("up")
        assert result.returncode == 0, result.stdout + result.stderr
        print(f"extras/swarm/swarm up: {time.monotonic() - started:.1f} s to every task healthy")
        yield stack
    except BaseException:
        print(stack.diagnostics())
        raise
    finally:
        stack.remove()


@pytest.fixture(scope="module")
def images(stack):
    """{name: image reference} of a new version and of a broken one, built FROM the app image; removed
    afterwards."""
    base = compose_as_shipped("config", "--images", "app").split()[0]
    repository = base.split(":")[0]
    files = {
        "v2": {"/etc/uwsgi/vassals/ver.ini": VERSION_VASSAL, "/srv/app/ver.py": VERSION_APP},
        "broken": {"/etc/uwsgi/vassals/broken.ini": BROKEN_VASSAL},
    }
    builder = types.SimpleNamespace(docker=stack.docker)
    built = {}
    for name, added in files.items():
        tag = f"{stack.name}-{name}"
        _derived_image(builder, base, tag, added)
        built[name] = f"{repository}:{tag}"
    yield built
    # After the stack is gone (checked: nothing left): its stopped tasks' containers hold the images.
    stack.remove()
    for reference in built.values():
        with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
            stack.docker.images.remove(reference)


def test_swarm_up_serves_every_app_through_127_0_0_1(stack):
    for path, status in (("/", 200), ("/apps/api/", 200), ("/static/style.css", 200), ("/health", 200)):
        assert requests.get(stack.base_url + path, timeout=10).status_code == status, path
    # One app and one nginx task per node, sharing the node-local socket volume.
    for name in ("app", "nginx"):
        assert "Global" in stack.service(name).attrs["Spec"]["Mode"]
        assert len(stack.tasks(name)) == 1


def test_published_port_binds_every_address(stack):
    """Swarm has no host_ip: the port is on 0.0.0.0 (this extra's page says so and how to restrict it)."""
    label = f"com.docker.swarm.service.name={stack.name}_nginx"
    (nginx,) = stack.docker.containers.list(filters={"label": label})
    addresses = {binding["HostIp"] for binding in nginx.attrs["NetworkSettings"]["Ports"]["8080/tcp"]}
    assert "0.0.0.0" in addresses


def test_passwords_are_swarm_secrets_not_environment(stack):
    password = stack.env["SUPERVISOR_PASSWORD"]
    spec = stack.service("app").attrs["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert not any(password in variable for variable in spec.get("Env", []))
    assert not any(v.startswith(("SUPERVISOR_PASSWORD=", "DATABASE_URL=")) for v in spec["Env"])
    ui_secret = {"/run/secrets/supervisor_password"} if UI_EXTRA else set()
    assert {s["File"]["Name"] for s in spec["Secrets"]} == {"/run/secrets/database_url", *ui_secret}
    (app,) = stack.app_containers()
    assert not any(password in variable for variable in app.attrs["Config"]["Env"])
    if not UI_EXTRA:
        return
    # supervisord got it from the secret: XML-RPC inside the task answers with it, 401 without.
    rpc = (
        "import sys, xmlrpc.client\n"
        "proxy = xmlrpc.client.ServerProxy(f'http://admin:{sys.argv[1]}@127.0.0.1:9001/RPC2')\n"
        "try:\n    print(proxy.supervisor.getState()['statename'])\n"
        "except xmlrpc.client.ProtocolError as error:\n    print(error.errcode)\n"
    )
    assert app.exec_run(["python3", "-c", rpc, password]).output.decode().strip() == "RUNNING"
    assert app.exec_run(["python3", "-c", rpc, "wrong"]).output.decode().strip() == "401"


def _slow_request(stack, container, seconds):
    """Start a `seconds`-long request to the lab vassal of `container` (the serving app task); return
    once a worker is busy with it: (the thread, the list its status goes to)."""
    status, token = [], uuid.uuid4().hex
    url = f"{stack.base_url}/apps/lab/sleep?s={seconds}&token={token}"

    def slow_request():
        code = requests.get(url, timeout=60).status_code
        status.append((code, datetime.datetime.now(datetime.UTC)))

    thread = threading.Thread(target=slow_request)
    thread.start()

    def busy():
        stats = ["python3", "-c", BUSY_WORKERS, "/run/vassals/lab.stats", token]
        return container.exec_run(stats).output.split()

    wait_until(busy, 5, "the slow request to reach a worker")
    return thread, status


def _sigterm_time(container):
    """When supervisord in the (stopped) container got SIGTERM, from its log line (UTC)."""
    for line in container.logs().decode(errors="replace").splitlines():
        if "received SIGTERM indicating exit request" in line:
            stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            return stamp.replace(tzinfo=datetime.UTC)
    raise AssertionError("supervisord never logged a SIGTERM")


def _install_lab(stack, container):
    """The fault tests' lab vassal (stack_fixtures.py) in `container`, served at /apps/lab/."""
    # harakiri 30 s instead of 8: the slow request outlasts the new task's start under load.
    files = {"lab-code/lab.py": lab_code(1), "lab.ini": LAB_VASSAL.replace("harakiri = 8", "harakiri = 30")}
    assert (
        container.exec_run(["python3", "-c", WRITE_FILES, "/run/vassals", json.dumps(files)]).exit_code == 0
    )
    wait_until(
        lambda: requests.get(stack.base_url + "/apps/lab/", timeout=5).status_code == 200,
        30,
        "the lab vassal",
    )


def _update_under_load(stack, image, fault_report, fault, done, during=lambda: None):
    """`docker service update --image` of the app under load from 8 clients, then `during`(); wait
    until `done`(state) is true of the update's state. (the load's result, seconds the update took)."""
    with Load(lambda: stack.address, PATHS, clients=8, max_seconds=150, max_requests=300_000) as load:
        load.wait_for(200)
        started = time.monotonic()
        docker_cli("service", "update", "--detach", "--image", image, f"{stack.name}_app")
        during()
        state = wait_until(
            lambda: done(stack.update_state("app")) and stack.update_state("app"),
            UPDATE_TIMEOUT_S,
            f"the update to {image} to end",
            interval=0.5,
        )
        took = time.monotonic() - started
        wait_until(stack.settled, 60, "every app task healthy", interval=0.5)
        load.wait_for(len(load.result.outcomes) + 300)
    result = not_200_is_a_failure(load.result)
    fault_report(fault, result, note=f"took {took:.1f} s ({state[0]})")
    return result, took


def test_rolling_update_under_load_fails_no_request(stack, images, fault_report):
    """The old task, stopped by Swarm once the new one took the traffic, finishes its in-flight
    request: a 15 s one, started as the update begins."""
    old = stack.serving_app()
    _install_lab(stack, old)
    slow = []
    result, took = _update_under_load(
        stack,
        images["v2"],
        fault_report,
        "swarm: rolling update of the app image",
        lambda s: s[0] == "completed",
        during=lambda: slow.append(_slow_request(stack, old, 15)),
    )
    ((thread, status),) = slow
    thread.join(60)
    ((code, answered),) = status
    stopping = _sigterm_time(old)
    print(f"rolling update: {result.summary()} in {took:.1f} s; the 15 s request: {code}")
    if result.failures:
        # When (wall clock, as in the tasks' logs), and what each task logged (uwsgi-traffic's lines).
        offset = time.time() - time.monotonic()
        first, last = result.failures[0].started + offset, result.failures[-1].finished + offset
        print(f"failures from {time.ctime(first)} to {time.ctime(last)}\n{stack.diagnostics()}")
    assert result.failures == []
    assert code == 200
    # It was in flight when Swarm stopped the old task, which then exited cleanly.
    assert stopping < answered, (stopping, answered)
    assert old.client.api.inspect_container(old.id)["State"]["ExitCode"] == 0
    assert stack.serving_app().id != old.id
    assert (
        stack.service("app").attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"].startswith(images["v2"])
    )
    assert requests.get(stack.base_url + "/apps/ver/", timeout=10).text == "2"


def test_broken_image_rolls_back_by_itself(stack, images, fault_report):
    serving = stack.serving_app().id
    result, took = _update_under_load(
        stack,
        images["broken"],
        fault_report,
        "swarm: update to a broken image (rolled back)",
        lambda s: s[0] == "rollback_completed",
    )
    print(f"broken image: rolled back {took:.1f} s after the update began; {result.summary()}")
    assert result.failures == []
    # The task that served before never stopped (start-first): the broken one never got the traffic.
    assert stack.serving_app().id == serving
    assert requests.get(stack.base_url + "/apps/broken/", timeout=10).status_code == 404
    image = stack.service("app").attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert not image.startswith(images["broken"])


def test_unhealthy_task_is_replaced(stack, fault_report):
    """Plain Docker leaves an unhealthy container running; Swarm replaces the task. The fault: its
    emperor stopped, so no app answers (one broken app among others only degrades the task, which
    keeps serving them: uwsgi/healthcheck.py)."""
    sick = stack.serving_app()
    with Load(lambda: stack.address, PATHS, clients=8, max_seconds=120, max_requests=300_000) as load:
        load.wait_for(200)
        fault_at = time.monotonic()
        assert sick.exec_run(["supervisorctl", "stop", "uwsgi-emperor"]).exit_code == 0
        replaced = wait_until(
            lambda: (app := stack.serving_app()) and app.id != sick.id and app,
            90,
            "a new healthy app task",
            interval=0.5,
        )
        took = time.monotonic() - fault_at
        wait_until(
            lambda: requests.get(stack.base_url + "/apps/api/", timeout=5).status_code == 200, 30, "serving"
        )
        load.wait_for(len(load.result.outcomes) + 300)
    result = not_200_is_a_failure(load.result)
    recovery = result.recovery_after(fault_at)
    fault_report(
        "swarm: app task unhealthy (its emperor stopped)",
        result,
        recovery,
        note=f"new task healthy {took:.1f} s after the fault",
    )
    print(f"unhealthy task replaced: new task healthy after {took:.1f} s; {result.summary()}")
    assert replaced.id != sick.id
    assert recovery is not None
    states = {t["Status"]["State"] for t in stack.service("app").tasks() if t["ID"] != replaced.id}
    assert states & {"failed", "shutdown", "complete"}


def test_tcp_topology_and_postgresql_with_its_password_as_a_secret(swarm, images, fault_report):
    """UWSGI_TRANSPORT=tcp (compose.swarm-tcp.yaml): two app tasks on the node, nginx reaching their
    routers by the name `app` (dnsrr) over the overlay network; with extras/postgres, PostgreSQL
    keeps the notes, its password and the app's DATABASE_URL swarm secrets. Deployed, probed, removed."""
    name = f"wsgi-swarm-tcp-{uuid.uuid4().hex[:8]}"
    password = secrets.token_hex(16)
    env = {"SWARM_STACK": name, "HTTP_PORT": "0", "UWSGI_TRANSPORT": "tcp", "APP_REPLICAS": "2"}
    if DB_EXTRA:
        env |= {
            "COMPOSE_FILE": "compose.yaml:extras/postgres/compose.yaml",
            "COMPOSE_PROFILES": "db",
            "POSTGRES_PASSWORD": password,
            "DATABASE_URL": f"postgresql://app:{password}@postgres:5432/app",
        }
    tcp = SwarmStack(name, env)
    try:
        result = tcp.swarm("up")
        assert result.returncode == 0, result.stdout + result.stderr + tcp.diagnostics()
        assert tcp.service("app").attrs["Spec"]["Mode"] == {"Replicated": {"Replicas": 2}}
        assert len(tcp.tasks("app")) == 2
        for path, status in (("/", 200), ("/apps/api/", 200), ("/apps/no-such-app/", 404)):
            assert requests.get(tcp.base_url + path, timeout=10).status_code == status, path
        if DB_EXTRA:
            _notes_kept_by_postgresql(tcp, password)
        # A rolling update, one task at a time: nginx re-resolves `app` every 10 s, so for a while it
        # may still try a stopped task's address, which never answers: after its 2 s connect timeout
        # it tries the other task (nginx/transport/tcp.conf).
        before = {c.id for c in tcp.settled()}
        result, took = _update_under_load(
            tcp,
            images["v2"],
            fault_report,
            "swarm tcp: rolling update of 2 app tasks",
            lambda s: s[0] == "completed",
        )
        print(f"tcp topology, rolling update: {result.summary()} in {took:.1f} s")
        # Reported, not held to 0 (the unix topology's is): 0 in most runs, but one CI run had 4 of
        # 24,211 answered 502 while a task stopped. None may time out or be cut, and at most 1 in
        # 1,000 may fail.
        assert {failure.status for failure in result.failures} <= {502}
        assert len(result.failures) * 1000 <= result.sent
        assert not before & {c.id for c in tcp.settled()}
        assert requests.get(tcp.base_url + "/apps/ver/", timeout=10).text == "2"
    finally:
        tcp.remove()


def _notes_kept_by_postgresql(tcp, password):
    """The notes go to PostgreSQL, and its password is in no service's spec and no container's
    environment."""
    health = requests.get(tcp.base_url + "/health", timeout=10).json()
    assert health == {"status": "ok", "storage": "PostgreSQL database 'app' at postgres:5432"}
    note = f"kept by PostgreSQL under Swarm {uuid.uuid4().hex}"
    post_note(tcp.base_url, note)
    assert note in requests.get(tcp.base_url + "/notes", timeout=10).text
    (postgres,) = tcp.docker.containers.list(
        filters={"label": f"com.docker.swarm.service.name={tcp.name}_postgres"}
    )
    query = ["psql", "--dbname=app", "-tAc", "SELECT count(*) FROM notes"]
    assert postgres.exec_run(query).output.decode().strip() == "1"
    for service in ("app", "nginx", "postgres"):
        assert password not in json.dumps(tcp.service(service).attrs["Spec"])
    label = {"label": f"com.docker.stack.namespace={tcp.name}"}
    for container in tcp.docker.containers.list(filters=label):
        assert password not in json.dumps(container.attrs["Config"]["Env"])

"""supervisord's web UI and XML-RPC, opt-in (extras/supervisor-ui/compose.yaml).

Off (the session stack, as shipped): nothing listens. On: a second stack of its own (torn down after
this module) with SUPERVISOR_UI=1 on a range of two loopback ports, so that a deploy's second app
container gets the other one. Restarting the emperor through XML-RPC is measured under load.
"""

import json
import secrets
import socket
import time
import urllib.parse
import uuid
import xmlrpc.client

import pytest
import requests
from harness import Stack, compose_as_shipped, wait_until
from load import Load, not_200_is_a_failure
from stack_fixtures import second_stack

OVERLAY = "extras/supervisor-ui/compose.yaml"
USER = "admin"
PATHS = ["/apps/api/", "/"]
# A vassal for one test, answering what its app sees of SUPERVISOR_PASSWORD. Its code sits on the
# writable vassal tmpfs, as the fault tests' lab vassal does (stack_fixtures.py).
PROBE_CODE = """
import os

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [repr(os.environ.get("SUPERVISOR_PASSWORD")).encode()]
"""
PROBE_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
pythonpath = /run/vassals/%n-code
module = probe:app
"""


def _free_port_pair():
    """A port p on 127.0.0.1 such that p and p + 1 are both free now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two adjacent free ports on 127.0.0.1")


@pytest.fixture(scope="module")
def ui():
    # Characters a config file or a URL would trip on: supervisord must get the password unchanged.
    password = f"{secrets.token_hex(12)} 100%:ok"
    first = _free_port_pair()
    knobs = {
        "SUPERVISOR_UI": "1",
        "SUPERVISOR_USER": USER,
        "SUPERVISOR_PASSWORD": password,
        "SUPERVISOR_PORT": f"{first}-{first + 1}",
    }
    with second_stack("supervisor-ui", overrides=[OVERLAY], env=knobs) as stack:
        yield stack, password


def _url(stack):
    return "http://{}:{}".format(*stack.published("app", 9001))


def _rpc(stack, password):
    host = urllib.parse.urlsplit(_url(stack)).netloc
    credentials = f"{USER}:{urllib.parse.quote(password, safe='')}"
    return xmlrpc.client.ServerProxy(f"http://{credentials}@{host}/RPC2").supervisor


# ---- off, as shipped -------------------------------------------------------------------------------


def test_off_by_default_nothing_listens(stack):
    assert "9001/tcp" not in stack.container("app").ports
    # Inside the container too: nothing accepts a connection on 9001 (bash's /dev/tcp).
    code, output = stack.try_exec("app", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9001")
    assert code != 0, output
    assert "Connection refused" in output
    app = json.loads(compose_as_shipped("config", "--format", "json"))["services"]["app"]
    assert "ports" not in app


def test_the_overlay_publishes_on_127_0_0_1_only(stack):
    # Whatever HTTP_BIND says: it is nginx's address, not the UI's.
    config = compose_as_shipped(
        "-f", str(stack.root / OVERLAY), "config", "--format", "json", HTTP_BIND="0.0.0.0"
    )
    (port,) = json.loads(config)["services"]["app"]["ports"]
    assert (port["host_ip"], port["published"], port["target"]) == ("127.0.0.1", "9001", 9001)


def test_make_supervisorctl_passes_any_command_through(stack):
    stack.wait_running()
    assert "uwsgi-emperor                    RUNNING" in stack.make(
        "supervisorctl", env={"ARGS": "status uwsgi-emperor"}
    )
    # supervisord's own pid: it is the container's main process.
    assert stack.make("supervisorctl", env={"ARGS": "pid"}).splitlines()[-1] == "1"


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"SUPERVISOR_UI": "yes"}, "SUPERVISOR_UI='yes' must be 0 or 1"),
        ({"SUPERVISOR_UI": "1", "SUPERVISOR_PASSWORD": "pw"}, "SUPERVISOR_USER is empty"),
        (
            {"SUPERVISOR_UI": "1", "SUPERVISOR_USER": "a:b", "SUPERVISOR_PASSWORD": "pw"},
            "SUPERVISOR_USER must not contain ':'",
        ),
        ({"SUPERVISOR_UI": "1", "SUPERVISOR_USER": USER}, "SUPERVISOR_PASSWORD is empty"),
    ],
)
def test_a_bad_knob_stops_the_app_container_with_a_line_naming_it(stack, knobs, message):
    assert message in stack.refused_start_log("app", knobs)


def test_without_a_password_the_stack_does_not_come_up():
    knobs = {"SUPERVISOR_UI": "1", "SUPERVISOR_USER": USER, "SUPERVISOR_PASSWORD": "", "SUPERVISOR_PORT": "0"}
    stack = Stack(f"wsgi-stack-supervisor-ui-nopw-{uuid.uuid4().hex[:8]}", overrides=[OVERLAY], env=knobs)
    try:
        with pytest.raises(RuntimeError, match="is unhealthy"):
            stack.up()
        assert "supervisor-ui: SUPERVISOR_PASSWORD is empty" in stack.container("app").logs().decode()
    finally:
        stack.down()
    assert not stack.leftovers()


# ---- on -------------------------------------------------------------------------------------------


def test_no_credentials_no_access(ui):
    stack, password = ui
    assert requests.get(_url(stack), timeout=10).status_code == 401
    assert requests.get(_url(stack), auth=(USER, password + "x"), timeout=10).status_code == 401
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        _rpc(stack, "wrong").getAllProcessInfo()
    assert refused.value.errcode == 401


def test_the_status_page_and_xml_rpc_work_with_credentials(ui):
    stack, password = ui
    stack.wait_running()
    page = requests.get(_url(stack), auth=(USER, password), timeout=10)
    assert page.status_code == 200
    assert "uwsgi-emperor" in page.text
    processes = {p["name"]: p["statename"] for p in _rpc(stack, password).getAllProcessInfo()}
    assert processes == {"uwsgi-emperor": "RUNNING", "exit-on-fatal": "RUNNING"}


def test_published_on_loopback_only_and_never_on_the_socket_volume(ui):
    stack, _ = ui
    assert {binding["HostIp"] for binding in stack.container("app").ports["9001/tcp"]} == {"127.0.0.1"}
    # The volume nginx shares holds the vassals' sockets and nothing of supervisord's.
    sockets = stack.exec("app", "find", "/run/uwsgi", "-type", "s").split()
    assert sorted(path.rsplit("/", 1)[1] for path in sockets) == ["api.sock", "main.sock"]


def test_the_password_stays_out_of_the_logs_and_the_apps(ui):
    stack, password = ui
    assert password not in stack.container("app").logs().decode()
    # An app inherits the emperor's environment, where supervisord.conf empties it.
    stack.put_files("app", "/run/vassals/probe-code", {"probe.py": PROBE_CODE})
    stack.put_file("app", "/run/vassals/probe.ini", PROBE_VASSAL)
    try:
        probe = wait_until(
            lambda: (r := requests.get(f"{stack.base_url}/apps/probe/", timeout=10)).status_code == 200 and r,
            30,
            "the probe vassal to answer",
        )
        assert probe.text == "''"
    finally:
        stack.exec("app", "rm", "-rf", "/run/vassals/probe.ini", "/run/vassals/probe-code")


@pytest.mark.slow
def test_a_deploy_moves_the_ui_to_the_other_port_of_the_range(ui):
    stack, password = ui
    before = stack.published("app", 9001)
    # The knobs too: the second container is made from the same overlay.
    result = stack.run("scripts/deploy", env=stack.env, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    after = stack.published("app", 9001)
    assert after != before
    assert {after[1], before[1]} == {int(p) for p in stack.env["SUPERVISOR_PORT"].split("-")}
    assert requests.get(_url(stack), auth=(USER, password), timeout=10).status_code == 200


# ---- restarts through XML-RPC, under load ---------------------------------------------------------


@pytest.mark.slow
def test_hup_through_xml_rpc_reloads_every_vassal_with_no_failed_request(ui, fault_report):
    stack, password = ui
    workers = {name: stack.vassal_processes(name)["workers"] for name in ("main", "api")}
    with Load(stack.address, PATHS, clients=16, max_seconds=60) as load:
        load.wait_for(300)
        assert _rpc(stack, password).signalProcess("uwsgi-emperor", "HUP")
        for name, before in workers.items():
            stack.wait_for_workers(name, before, 30, f"{name}'s workers to be replaced")
        load.wait_for(len(load.result.outcomes) + 500)
    result = not_200_is_a_failure(load.result)
    fault_report("XML-RPC signalProcess(uwsgi-emperor, HUP)", result)
    assert result.failures == []


@pytest.mark.slow
def test_restart_through_xml_rpc_costs_a_bounded_outage(ui, fault_report):
    """stopProcess + startProcess (what `supervisorctl restart` does) stops every vassal: requests
    fail until they are back. extras/supervisor-ui/README.md gives the alternatives."""
    stack, password = ui
    rpc = _rpc(stack, password)
    with Load(stack.address, PATHS, clients=16, max_seconds=90) as load:
        load.wait_for(300)
        fault_at = time.monotonic()
        assert rpc.stopProcess("uwsgi-emperor")
        assert rpc.startProcess("uwsgi-emperor")
        for path in ("/apps/api/", "/"):
            wait_until(
                lambda p=path: requests.get(stack.base_url + p, timeout=10).status_code == 200,
                30,
                f"{path} to answer 200",
            )
        load.wait_for(len(load.result.outcomes) + 500)
    result = not_200_is_a_failure(load.result)
    recovery = result.recovery_after(fault_at)
    fault_report("XML-RPC stop + start of uwsgi-emperor", result, recovery)
    assert recovery is not None and recovery <= 5.0, f"serving again after {recovery} s"

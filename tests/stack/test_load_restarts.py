"""Under load: containers stopped and restarted, supervisord giving up."""

import time

import pytest
from harness import wait_until
from load import Load, LoadResult
from stack_fixtures import in_flight_request

pytestmark = pytest.mark.slow
PATHS = ["/apps/api/", "/"]
APP_STOP_GRACE_S = 40  # compose.yaml: app stop_grace_period
# From the emperor's FATAL to serving again (measured 10.5 s): ~7 s of failed restarts, the
# listener, supervisord's exit, the container's restart and start.
FATAL_RECOVERY_BOUND_S = 15


@pytest.mark.parametrize("command", ["stop", "restart"])
def test_stop_lets_the_in_flight_request_finish(stack, http, lab, fault_report, command):
    request, outcome = in_flight_request(stack, http, lab)
    started = time.monotonic()
    stack.compose(command)
    took = time.monotonic() - started
    request.join(60)
    if command == "stop":
        exit_codes = {s: stack.container(s).attrs["State"]["ExitCode"] for s in ("app", "nginx")}
        stack.compose("start")
    stack.wait_healthy()
    fault_report(
        f"docker compose {command}, 5 s request in flight",
        LoadResult(outcome),
        note=f"{command} took {took:.1f} s",
    )
    assert [o.status for o in outcome] == [200]
    assert took < APP_STOP_GRACE_S
    if command == "stop":
        # 0, not 137: nothing had to be SIGKILLed.
        assert exit_codes == {"app": 0, "nginx": 0}


def _serving_again(stack, http, load, fault_at):
    """Once healthy: every request from then on must succeed (no stale socket, no cached failure)."""
    stack.wait_healthy()
    for path in PATHS:
        http.wait_for_status(path, 200)
    healthy_at = time.monotonic()
    load.wait_for(len(load.result.outcomes) + 500)
    load.stop()
    late_failures = [o for o in load.result.failures if o.started > healthy_at]
    return load.result.recovery_after(fault_at), late_failures


def _restart_under_load(stack, http, fault_report, service, fault):
    with Load(lambda: stack.address, PATHS, clients=8, max_seconds=120) as load:
        load.wait_for(200)
        fault_at = time.monotonic()
        stack.compose("restart", service)
        recovery, late_failures = _serving_again(stack, http, load, fault_at)
    fault_report(fault, load.result, recovery)
    assert late_failures == []


def test_app_restart_is_recovered_by_the_running_nginx(stack, http, fault_report):
    nginx_started = stack.container("nginx").attrs["State"]["StartedAt"]
    _restart_under_load(stack, http, fault_report, "app", "app container restarted, nginx running")
    assert stack.container("nginx").attrs["State"]["StartedAt"] == nginx_started


def test_nginx_restart_leaves_the_app_untouched(stack, http, fault_report):
    app_started = stack.container("app").attrs["State"]["StartedAt"]
    masters = {name: stack.vassal_processes(name)["master"] for name in ("main", "api")}
    _restart_under_load(stack, http, fault_report, "nginx", "nginx container restarted")
    assert stack.container("app").attrs["State"]["StartedAt"] == app_started
    assert {name: stack.vassal_processes(name)["master"] for name in ("main", "api")} == masters


def test_emperor_gone_fatal_restarts_the_container(stack, http, fault_report):
    restarts = stack.container("app").attrs["RestartCount"]
    with Load(lambda: stack.address, PATHS, clients=4, max_seconds=180) as load:
        load.wait_for(100)
        fault_at = time.monotonic()
        # The emperor cannot enter its vassal directory: every restart fails, supervisord gives up.
        stack.exec("app", "chmod", "000", "/run/vassals")
        stack.kill(stack.emperor_pid())
        wait_until(
            lambda: stack.container("app").attrs["RestartCount"] > restarts,
            120,
            "the app container to exit and be restarted",
            interval=1,
        )
        recovery, late_failures = _serving_again(stack, http, load, fault_at)
    fault_report("emperor FATAL in supervisord", load.result, recovery)
    logs = stack.container("app").logs().decode()
    assert "exit-on-fatal: PROCESS_STATE_FATAL" in logs
    # From the kill to FATAL: every restart failed (none counted as started, which would reset the
    # retries: supervisor/supervisord.conf, startsecs), startretries (2) of them after the first.
    after_kill = logs.rsplit("exited: uwsgi-emperor (terminated by SIGKILL", 1)[1]
    until_fatal = after_kill.split("gave up: uwsgi-emperor entered FATAL state", 1)[0]
    assert "success: uwsgi-emperor entered RUNNING" not in until_fatal
    assert until_fatal.count("spawned: 'uwsgi-emperor'") == 3
    assert recovery <= FATAL_RECOVERY_BOUND_S
    assert late_failures == []

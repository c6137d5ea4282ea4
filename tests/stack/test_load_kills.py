"""Processes SIGKILLed under 16 concurrent clients."""

import time

import pytest
from harness import wait_until
from load import Load

pytestmark = pytest.mark.slow
PATHS = ["/apps/api/", "/"]


def _recovered(load, http, fault_at):
    """Keep the load going until both apps answer again, then a little longer."""
    for path in PATHS:
        http.wait_for_status(path, 200, timeout=30)
    load.wait_for(len(load.result.outcomes) + 200)
    load.stop()
    return load.result.recovery_after(fault_at)


def test_one_worker_killed_fails_at_most_one_request(stack, http, fault_report):
    before = stack.vassal_processes("api")["workers"]
    victim = min(before)
    with Load(stack.address, PATHS, clients=16, max_seconds=60) as load:
        load.wait_for(300)
        fault_at = time.monotonic()
        stack.kill(victim)
        stack.wait_for_workers("api", {victim}, 10, "the killed worker to be respawned")
        recovery = _recovered(load, http, fault_at)
    fault_report("one uWSGI worker SIGKILLed", load.result, recovery)
    assert len(load.result.failures) <= 1, load.result.failure_kinds()


def test_vassal_master_killed_is_respawned_within_3_s(stack, http, fault_report):
    before = stack.vassal_processes("api")["master"]
    with Load(stack.address, PATHS, clients=16, max_seconds=60) as load:
        load.wait_for(300)
        fault_at = time.monotonic()
        stack.kill(before)
        wait_until(
            lambda: (m := stack.vassal_processes("api")["master"]) and m != before,
            10,
            "the emperor to respawn the vassal",
        )
        recovery = _recovered(load, http, fault_at)
    fault_report("a vassal's master SIGKILLed", load.result, recovery)
    assert recovery is not None and recovery <= 3.0, f"serving again after {recovery} s"
    # The other vassal never noticed.
    assert not [o for o in load.result.failures if o.path == "/"]


def test_emperor_killed_is_restarted_by_supervisord_within_5_s(stack, http, fault_report):
    before = stack.emperor_pid()
    with Load(stack.address, PATHS, clients=16, max_seconds=60) as load:
        load.wait_for(300)
        fault_at = time.monotonic()
        stack.kill(before)
        wait_until(
            lambda: (pid := stack.emperor_pid()) and pid != before, 10, "supervisord to restart the emperor"
        )
        recovery = _recovered(load, http, fault_at)
    fault_report("the emperor SIGKILLed", load.result, recovery)
    assert recovery is not None and recovery <= 5.0, f"serving again after {recovery} s"
    stack.wait_running()

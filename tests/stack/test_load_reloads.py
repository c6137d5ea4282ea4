"""Reloads under 16 concurrent clients: not one request may fail."""

import re

import pytest
from harness import wait_until
from load import Load
from stack_fixtures import install_lab, lab_code, remove_lab

pytestmark = pytest.mark.slow


def _serves_version(http, path, version, times=10):
    return all(http.get(path).json()["version"] == version for _ in range(times))


@pytest.mark.parametrize("how", ["make reload", "touch NAME.reload"])
def test_code_reload_fails_no_request_and_serves_the_new_code(stack, http, fault_report, how):
    name = "reloadme"
    path = f"/apps/{name}/"
    install_lab(stack, http, name, version=1)
    try:
        with Load(stack.address, [path, "/apps/api/", "/"], clients=16, max_seconds=90) as load:
            load.wait_for(300)
            before = stack.vassal_processes(name)["workers"]
            # The new code, then the reload a user would trigger.
            stack.put_files("app", f"/run/vassals/{name}-code", {"lab.py": lab_code(version=2)})
            if how == "make reload":
                stack.make("reload")
            else:
                stack.exec("app", "touch", f"/run/vassals/{name}.reload")
            wait_until(lambda: _serves_version(http, path, 2), 60, "the new code to be served")
            # uWSGI's own account of the chain reload: one worker after the other.
            wait_until(lambda: CHAIN.search(_chain_log(stack, name)), 30, "the chain reload to complete")
            load.wait_for(len(load.result.outcomes) + 300)
        fault_report(f"code reload ({how})", load.result)
        assert load.result.failures == []
        assert not stack.vassal_processes(name)["workers"] & before
    finally:
        remove_lab(stack, http, name)


CHAIN = re.compile(
    r"chain next victim is worker 1.*chain next victim is worker 2.*chain reloading complete", re.S
)


def _chain_log(stack, name):
    logs = stack.container("app").logs().decode()
    return logs[logs.rfind(f"/run/vassals/{name}.reload has been touched... chain reload") :]


def test_touching_a_vassal_ini_fails_no_request(stack, fault_report):
    before = stack.vassal_processes("api")["workers"]
    with Load(stack.address, ["/apps/api/"], clients=16, max_seconds=60) as load:
        load.wait_for(300)
        stack.exec("app", "touch", "/run/vassals/api.ini")
        stack.wait_for_workers("api", before, 30, "the api vassal's workers to be replaced")
        load.wait_for(len(load.result.outcomes) + 300)
    fault_report("vassal .ini touched (full reload)", load.result)
    assert load.result.failures == []

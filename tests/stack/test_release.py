"""The release step (docs/apps.md, "Release step"): app/NAME/release runs before the app takes
traffic. A copy of the repo ships `ledger`, whose step makes its SQLite table; the stack starts
with it run. `make deploy` of version 2 migrates the schema (a new column) in the new container
while version 1 serves, with no failed request; version 3's step fails, and the deploy stops,
printing the step's output, while version 2 keeps serving. A step that is not executable is refused
naming the file."""

import shutil
import time
from pathlib import Path

import pytest
import requests
from copies import copy_stack, new_app, repo_copy
from load import Load

LEDGER = Path(__file__).parent / "testapps" / "ledger"
PATHS = ["/apps/ledger/", "/"]


def _version(root, version):
    """The copy's app/ledger at `version`: its release step and LEDGER_VERSION."""
    shutil.copy(LEDGER / f"release-v{version}", root / "app" / "ledger" / "release")
    (root / "app" / "ledger" / "app.env").write_text(f"LEDGER_VERSION={version}\n")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    root = repo_copy(tmp_path_factory)
    new_app(root, "ledger")
    shutil.copy(LEDGER / "app.py", root / "app" / "ledger" / "__init__.py")
    _version(root, 1)
    with copy_stack(root, "release") as stack:
        yield stack


def _report(stack):
    response = requests.get(stack.base_url + "/apps/ledger/", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _deploy_under_load(stack, what):
    # The image first: with IMAGE_TAG given (the copy's own), `make deploy` builds nothing.
    stack.compose("build", "app")
    with Load(lambda: stack.address, PATHS, clients=4, max_seconds=240, max_requests=200_000) as load:
        load.wait_for(100)
        started = time.monotonic()
        deploy = stack.run("make", "--no-print-directory", "deploy", timeout=240)
        took = time.monotonic() - started
        load.wait_for(len(load.result.outcomes) + 100)
    print(f"{what}: make deploy exited {deploy.returncode} after {took:.1f} s; {load.result.summary()}")
    assert load.result.failures == []
    return deploy


def test_the_release_step_ran_before_the_app_served(ledger):
    assert _report(ledger) == {"version": "1", "columns": ["id", "body"], "entries": 0}
    log = ledger.container("app").logs().decode()
    assert "[ledger] release: schema v1: the table entries" in log
    assert "[ledger] release: app/ledger/release exited 0" in log
    requests.post(ledger.base_url + "/apps/ledger/", timeout=10).raise_for_status()


def test_a_deploy_migrates_while_the_old_version_serves(ledger):
    _version(ledger.root, 2)
    deploy = _deploy_under_load(ledger, "release step v2 (a new column)")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert _report(ledger) == {"version": "2", "columns": ["id", "body", "tag"], "entries": 1}
    assert "[ledger] release: schema v2: added the column tag" in ledger.container("app").logs().decode()


def test_a_failing_release_step_stops_the_deploy_and_the_old_version_serves(ledger):
    serving = ledger.container("app").id
    _version(ledger.root, 3)
    deploy = _deploy_under_load(ledger, "release step v3 (fails)")
    assert deploy.returncode != 0
    assert "broken: vassal 'ledger'" in deploy.stderr
    assert "[ledger] release: migration failed: the column tag cannot become NOT NULL" in deploy.stderr
    assert "[ledger] release: app/ledger/release exited 3" in deploy.stderr
    assert ledger.container("app").id == serving
    assert _report(ledger)["version"] == "2"


def test_a_release_step_that_is_not_executable_is_refused_naming_it(ledger, tmp_path):
    step = tmp_path / "release"
    step.write_text("#!/bin/sh\necho never\n")
    step.chmod(0o644)
    result = ledger.compose(
        *("run", "--rm", "--no-deps", "-T", "-v", f"{step}:/srv/app/ledger/release:ro"),
        *("--entrypoint", "app-release", "app", "ledger"),
        check=False,
    )
    assert result.returncode == 1
    assert "[ledger] release: app/ledger/release is not executable: chmod +x it" in result.stderr

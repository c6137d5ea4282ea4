"""The dev loop: `make dev` (compose.yaml + compose.dev.yaml) serves the mounted code: a saved
change is served within seconds and a new vassal file starts, without restarting a container. Run on a
second stack whose mounts point at a copy of the suite's app/ and uwsgi/, so the test never edits
a checkout."""

import json
import re
import shutil
import time

import pytest
import requests
from harness import ROOT, SUITE, compose_as_shipped, wait_until
from stack_fixtures import second_stack

# The reload's latency is reported (docs/measurements.md), not asserted: up to 1 s until py-autoreload's
# check, 1 s until the master reaps the old workers, ~0.8 s of app start: 1.7-3.1 s measured. This
# bound only catches a reload that does not happen in the normal way.
RELOAD_BOUND_S = 5
NEW_VIEW = """

@app.get("/edited")
def edited():
    return "edited in dev mode"
"""
HELLO_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
module = api:app
"""


def _readable_copy(source, target):
    """Copy a tree the app container's user (uid 10001) can read through a bind mount."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    work = tmp_path_factory.mktemp("dev")
    code = _readable_copy(SUITE / "app", work / "app")
    uwsgi = _readable_copy(SUITE / "uwsgi", work / "uwsgi")
    vassals = uwsgi / "vassals"
    # Compose merges `volumes` by their target: these replace compose.dev.yaml's two mounts.
    mounts = work / "compose.mounts.yaml"
    mounts.write_text(
        json.dumps({"services": {"app": {"volumes": [f"{code}:/srv/app:ro", f"{uwsgi}:/srv/uwsgi:ro"]}}})
    )
    # HTTP_PORT=0: compose.dev.yaml's loopback port becomes an ephemeral one.
    with second_stack("dev", overrides=["compose.dev.yaml", mounts], env={"HTTP_PORT": "0"}) as stack:
        yield stack, code, vassals


def _get(stack, path):
    return requests.get(stack.base_url + path, timeout=10, allow_redirects=False)


def test_a_saved_view_is_served_within_seconds_without_a_restart(dev):
    stack, code, _ = dev
    started = stack.container("app").attrs["State"]["StartedAt"]
    assert _get(stack, "/edited").status_code == 404
    view = code / "main" / "__init__.py"
    view.write_text(view.read_text() + NEW_VIEW)
    saved = time.monotonic()
    wait_until(lambda: _get(stack, "/edited").status_code == 200, 10, "the edited view", interval=0.05)
    took = time.monotonic() - saved
    print(f"dev mode: an edited view was served {took:.2f} s after the save")
    assert took <= RELOAD_BOUND_S
    assert _get(stack, "/edited").text == "edited in dev mode"
    assert _get(stack, "/").status_code == 200
    assert stack.container("app").attrs["State"]["StartedAt"] == started


def test_a_new_vassal_file_starts_and_a_removed_one_stops(dev):
    stack, _, vassals = dev
    started = stack.container("app").attrs["State"]["StartedAt"]
    (vassals / "hello.ini").write_text(HELLO_VASSAL)
    try:
        wait_until(lambda: _get(stack, "/apps/hello/").status_code == 200, 30, "/apps/hello/ to answer")
        # The health check follows the mounted directory too: it probes hello and finds it healthy.
        wait_until(
            lambda: re.match(r"healthy: .*\bhello\b", stack.health("app")["Log"][-1]["Output"]),
            30,
            "the health check to probe hello",
        )
        # Removed only once every worker has loaded the app: uWSGI 2.0.31 stops a vassal told to
        # stop while a worker is still loading only after the emperor's reload-mercy (30 s).
        wait_until(
            lambda: all(worker["apps"] for worker in stack.vassal_stats("hello")["workers"]),
            30,
            "hello's workers to load the app",
        )
    finally:
        (vassals / "hello.ini").unlink()
    wait_until(lambda: _get(stack, "/apps/hello/").status_code == 404, 30, "/apps/hello/ to be gone")
    assert stack.container("app").attrs["State"]["StartedAt"] == started


def test_flask_debug_is_on_in_dev_only_and_dev_is_loopback_only(dev, stack, http):
    dev_stack, _, _ = dev
    assert _get(dev_stack, "/whoami").json()["debug"] is True
    assert http.get("/whoami").json()["debug"] is False
    # Whatever HTTP_BIND says, dev mode publishes nginx on loopback only.
    config = json.loads(
        compose_as_shipped(
            "-f", str(ROOT / "compose.dev.yaml"), "config", "--format", "json", HTTP_BIND="0.0.0.0"
        )
    )
    assert [port["host_ip"] for port in config["services"]["nginx"]["ports"]] == ["127.0.0.1"]

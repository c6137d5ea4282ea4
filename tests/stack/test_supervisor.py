"""Behaviour 4: supervisord runs the uWSGI emperor; `make status` shows it."""

import os
import subprocess

from harness import ROOT


def test_supervisorctl_shows_the_emperor_running(stack):
    code, output = stack.try_exec("app", "supervisorctl", "status", "uwsgi-emperor")
    assert code == 0, output
    assert output.split()[:2] == ["uwsgi-emperor", "RUNNING"]


def test_make_status_shows_the_emperor_running(stack):
    # The Makefile's target, pointed at this run's project by Compose's own environment variables.
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": stack.project,
        "COMPOSE_FILE": os.pathsep.join(["compose.yaml", "tests/compose.test.yaml"]),
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "status"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "uwsgi-emperor                    RUNNING" in result.stdout


def test_supervisord_is_the_main_process(stack):
    assert stack.exec("app", "cat", "/proc/1/cmdline").split("\0")[:2] == [
        "/opt/venv/bin/python3",
        "/opt/venv/bin/supervisord",
    ]

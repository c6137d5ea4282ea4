"""`make run NAME=… ARGS="…"` (scripts/run, app/run.sh in the image): a one-off command with an
app's environment, in a container of its own. It gets the environment the app's vassal has, its
virtualenv first on PATH, /srv/app and the user app; its exit code comes back; it runs with the
stack down too; a name that is no app is refused."""

import json
import uuid

from harness import Stack

# What the command prints: its environment, where it runs, as whom, in which virtualenv.
REPORT = (
    "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(),"
    " 'uid': os.getuid(), 'prefix': sys.prefix}))"
)
# Set per process or per container, never by the stack: they differ between any two processes.
# PATH and PYTHONPATH are run.sh's on purpose (the virtualenv's bin/ first, the vassal's pythonpath).
OWN = {"HOSTNAME", "HOME", "PATH", "PWD", "SHLVL", "_", "PYTHONPATH", "VIRTUAL_ENV"}


def _vassal_environment(stack, name):
    """What vassal `name` starts with: supervisord's environment (PID 1, as the entrypoint exec'd
    it, which the emperor and its vassals inherit) and the two variables uwsgi/vassal-defaults.ini
    adds. (A uWSGI worker's own /proc/PID/environ is overwritten by its process title.)"""
    raw = stack.exec("app", "cat", "/proc/1/environ")
    inherited = dict(entry.split("=", 1) for entry in raw.split("\0") if entry)
    return {**inherited, "VASSAL_NAME": name, "DATA_DIR": f"/srv/data/{name}"}


def _report(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_command_gets_the_environment_its_vassal_has(stack):
    result = stack.run("make", "--no-print-directory", "run", "NAME=api", f'ARGS=python -c "{REPORT}"')
    report = _report(result)
    vassal = _vassal_environment(stack, "api")
    assert {"APP_TRANSPORT", "VASSAL_PROCESSES", "VASSAL_HARAKIRI", "DATABASE_URL"} <= vassal.keys()
    differ = {key for key in vassal.keys() - OWN if report["env"].get(key) != vassal[key]}
    assert not differ, {key: (vassal[key], report["env"].get(key)) for key in differ}
    assert report["env"]["PATH"].startswith("/opt/venv/bin:")
    assert report["env"]["PYTHONPATH"] == "/srv/app"
    assert (report["cwd"], report["uid"], report["prefix"]) == ("/srv/app", 10001, "/opt/venv")
    # The knobs' line is on stderr: stdout is the command's alone.
    assert "app: transport" in result.stderr
    assert len(result.stdout.strip().splitlines()) == 1, result.stdout


def test_the_commands_exit_code_comes_back(stack):
    assert stack.run("scripts/run", "main", "sh", "-c", "exit 3").returncode == 3
    # make itself exits 2 on any failed command, naming the code.
    result = stack.run("make", "--no-print-directory", "run", "NAME=main", "ARGS=sh -c 'exit 3'")
    assert result.returncode == 2
    assert "Error 3" in result.stderr, result.stderr


def test_a_name_that_is_no_app_is_refused(stack):
    result = stack.run("scripts/run", "no-such-app", "true")
    assert result.returncode == 2
    assert "run: no app 'no-such-app' in this image" in result.stderr, result.stderr


def test_it_runs_with_the_stack_down():
    """A Compose project that was never up: the one-off container needs nothing else, and leaves
    nothing behind once the project is down."""
    down = Stack(f"wsgi-stack-run-{uuid.uuid4().hex[:8]}")
    try:
        report = _report(down.run("scripts/run", "main", "python", "-c", REPORT))
        assert report["env"]["VASSAL_NAME"] == "main"
        assert (
            down.docker.containers.list(filters={"label": f"com.docker.compose.project={down.project}"}) == []
        )
    finally:
        down.compose("down", "--volumes", "--remove-orphans")
    assert not down.leftovers()

"""The uWSGI and nginx knobs from .env: a stack started with values other than the defaults runs with
them (read back from the live processes), and a bad value stops the stack with a line naming it."""

import json
import uuid
from pathlib import Path

import pytest
from harness import HttpClient, Stack, wait_until
from stack_fixtures import second_stack

KNOBS = {
    "UWSGI_PROCESSES": "3",
    "UWSGI_THREADS": "2",
    "UWSGI_HARAKIRI": "25",
    "UWSGI_MAX_WORKER_LIFETIME": "1200",
    "UWSGI_BUFFER_SIZE": "32768",
    "UWSGI_LISTEN": "512",
    "UWSGI_RELOAD_ON_RSS": "300",
    "APP_STOP_GRACE_PERIOD": "45",
    "NGINX_WORKER_PROCESSES": "3",
    "NGINX_CLIENT_MAX_BODY_SIZE": "2m",
    "LOG_MAX_SIZE": "2m",
    "LOG_MAX_FILE": "3",
    "LOG_FORMAT": "json",
}
OPTIONS_CODE = (Path(__file__).parent / "testapps" / "options.py").read_text()
# A vassal of the shipped defaults, answering with its own options; and one that overrides a knob.
OPTIONS_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
pythonpath = /run/vassals/options-code
module = options:app
"""
OVERRIDING_VASSAL = OPTIONS_VASSAL + "processes = 1\n"


@pytest.fixture(scope="module")
def tuned():
    with second_stack("knobs", env=KNOBS) as stack:
        stack.put_files("app", "/run/vassals/options-code", {"options.py": OPTIONS_CODE})
        yield stack


@pytest.mark.parametrize("service", ["app", "nginx"])
def test_log_knobs_reach_docker(tuned, service):
    log = tuned.container(service).attrs["HostConfig"]["LogConfig"]
    assert log["Config"] == {"max-size": "2m", "max-file": "3"}


def test_log_format_json_makes_each_request_and_each_app_line_an_object(tuned):
    probe = f"/apps/api/?probe={uuid.uuid4().hex}"
    # What the client sent is escaped: the line stays one valid object.
    agent = 'a "quoted" agent\\'
    response = HttpClient(tuned).get(probe, headers={"User-Agent": agent})
    assert response.status_code == 200

    def access_line():
        # The access log is buffered (flushed every second).
        lines = tuned.container("nginx").logs(tail=500).decode().splitlines()
        return [json.loads(line) for line in lines if probe in line]

    (entry,) = wait_until(access_line, 10, "the request in nginx's JSON access log")
    assert set(entry) >= {"time", "upstream_time", "client", "user_agent", "protocol"}
    assert (entry["request_id"], entry["app"], entry["method"], entry["path"]) == (
        response.headers["X-Request-ID"],
        "api",
        "GET",
        probe,
    )
    assert (entry["status"], entry["bytes"], entry["user_agent"]) == (200, len(response.content), agent)
    assert 0 <= float(entry["upstream_time"]) <= entry["request_time"] < 10
    # uWSGI's lines for each app: objects naming it (what the app prints goes the same way).
    app_lines = [
        json.loads(line)
        for line in tuned.container("app").logs().decode().splitlines()
        if line.startswith('{"time":')
    ]
    assert {"api", "main"} <= {line["app"] for line in app_lines}
    assert any(line["msg"].startswith("WSGI app 0 (mountpoint=") for line in app_lines)


def test_uwsgi_knobs_reach_every_vassal(tuned):
    tuned.put_file("app", "/run/vassals/options.ini", OPTIONS_VASSAL)
    options = HttpClient(tuned).wait_for_status("/apps/options/", 200).json()
    assert {
        name: options[name]
        for name in ("processes", "threads", "harakiri", "max-worker-lifetime", "buffer-size", "listen")
    } == {
        "processes": "3",
        "threads": "2",
        "harakiri": "25",
        "max-worker-lifetime": "1200",
        "buffer-size": "32768",
        "listen": "512",
    }
    # The stop budgets follow harakiri (uwsgi/knobs.sh).
    assert options["worker-reload-mercy"] == "30"
    assert options["max-worker-lifetime-delta"] == "200"
    # Expanded from $(VASSAL_RELOAD_ON_RSS): not an option uWSGI applies before expanding (as `listen`).
    assert options["reload-on-rss"] == "300"


def test_the_defaults_name_neither_reload_on_rss_nor_threads(stack):
    """Named at all, even as 0 or 1, `reload-on-rss` makes every worker read /proc/self/stat after
    each request and `threads` turns on thread support: with the default knobs neither is set."""
    stack.put_files("app", "/run/vassals/options-code", {"options.py": OPTIONS_CODE})
    stack.put_file("app", "/run/vassals/defaults.ini", OPTIONS_VASSAL)
    try:
        options = HttpClient(stack).wait_for_status("/apps/defaults/", 200).json()
    finally:
        stack.exec("app", "rm", "-r", "/run/vassals/defaults.ini", "/run/vassals/options-code")
    assert options["processes"] == "2"
    assert "reload-on-rss" not in options
    assert "threads" not in options


def test_a_vassals_own_setting_overrides_the_knob(tuned):
    tuned.put_file("app", "/run/vassals/options1.ini", OVERRIDING_VASSAL)
    HttpClient(tuned).wait_for_status("/apps/options1/", 200)
    assert len(tuned.vassal_stats("options1")["workers"]) == 1


def test_the_live_processes_run_with_the_knobs(tuned):
    stats = tuned.vassal_stats("api")
    assert len(stats["workers"]) == 3
    assert {len(worker["cores"]) for worker in stats["workers"]} == {2}
    # The stats show no backlog for a unix socket: uWSGI's start-up line does.
    assert "listen backlog is limited to 512 connections" in tuned.container("app").logs().decode()
    assert tuned.exec("app", "cat", "/proc/sys/net/core/somaxconn").strip() == "512"
    assert tuned.container("app").attrs["Config"]["StopTimeout"] == 45


def test_nginx_runs_with_the_knobs(tuned):
    config = tuned.exec("nginx", "nginx", "-T")
    assert "worker_processes 3;" in config
    assert "client_max_body_size 2m;" in config
    # UWSGI_HARAKIRI + 10 s.
    assert "uwsgi_read_timeout 35s;" in config
    titles = tuned.exec("nginx", "bash", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo")
    assert titles.count("nginx: worker process") == 3
    http = HttpClient(tuned)
    assert http.post("/apps/api/", data=b"x" * (2 * 1024 * 1024 + 1)).status_code == 413


@pytest.mark.parametrize(
    ("service", "knobs", "message"),
    [
        ("app", {"UWSGI_PROCESSES": "two"}, "UWSGI_PROCESSES='two' must be a whole number from 1 to 256"),
        ("app", {"UWSGI_TRANSPORT": "udp"}, "UWSGI_TRANSPORT='udp' must be unix, tcp or http"),
        ("app", {"UWSGI_BUFFER_SIZE": "1024"}, "UWSGI_BUFFER_SIZE='1024' must be a whole number from 4096"),
        ("app", {"UWSGI_RELOAD_ON_RSS": "1g"}, "UWSGI_RELOAD_ON_RSS='1g' must be a whole number from 0"),
        (
            "app",
            {"UWSGI_LISTEN": "4096"},
            "UWSGI_LISTEN=4096 is above this container's net.core.somaxconn (1024)",
        ),
        (
            "app",
            {"UWSGI_HARAKIRI": "60"},
            "APP_STOP_GRACE_PERIOD=40 must be at least UWSGI_HARAKIRI + 20 (80)",
        ),
        ("nginx", {"NGINX_CLIENT_MAX_BODY_SIZE": "10mb"}, "NGINX_CLIENT_MAX_BODY_SIZE='10mb' must be a size"),
        ("nginx", {"NGINX_WORKER_PROCESSES": "0"}, "NGINX_WORKER_PROCESSES='0' must be auto or a number"),
        (
            "nginx",
            {"UWSGI_HARAKIRI": "30", "NGINX_READ_TIMEOUT": "30"},
            "NGINX_READ_TIMEOUT=30 must be longer than UWSGI_HARAKIRI=30",
        ),
        # Host names (test_app_hosts.py serves them): an app that is not there, a bad entry or host,
        # a host claimed twice.
        (
            "app",
            {"APP_HOSTS": "forum=forum.localhost"},
            "APP_HOSTS names forum, which is no app here (apps: api main)",
        ),
        ("app", {"MAIN_APP": "forum"}, "MAIN_APP names forum, which is no app here (apps: api main)"),
        (
            "nginx",
            {"APP_HOSTS": "Forum=forum.localhost"},
            "APP_HOSTS: 'Forum=forum.localhost' is not NAME=HOST",
        ),
        (
            "nginx",
            {"APP_HOSTS": "api=api.local_host"},
            "APP_HOSTS: 'api.local_host' (for api) is not a host name",
        ),
        ("nginx", {"APP_HOSTS": "api=localhost"}, "APP_HOSTS: localhost is in SERVER_NAMES too"),
        ("nginx", {"APP_HOSTS": "api=a.localhost main=a.localhost"}, "a.localhost is named for api and main"),
        ("nginx", {"MAIN_APP": "no/such"}, "MAIN_APP='no/such' is not an app's name"),
        ("nginx", {"LOG_FORMAT": "xml"}, "LOG_FORMAT='xml' must be text or json"),
        ("app", {"LOG_FORMAT": "xml"}, "LOG_FORMAT='xml' must be text or json"),
    ],
)
def test_a_bad_knob_stops_its_container_with_a_line_naming_it(stack, service, knobs, message):
    assert message in stack.refused_start_log(service, knobs)


def test_make_up_fails_on_a_bad_knob(stack):
    """What `make up` runs (compose up --wait) fails, and the app's log names the knob."""
    bad = Stack(f"{stack.project}-badknob", env={"UWSGI_THREADS": "many"})
    try:
        result = bad.compose("up", "--detach", "--wait", "--wait-timeout", "60", check=False)
        assert result.returncode != 0
        logs = bad.compose("logs", "app").stdout
        assert "UWSGI_THREADS='many' must be a whole number" in logs
    finally:
        bad.down()
    assert not bad.leftovers()

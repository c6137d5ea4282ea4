"""Apps served by gunicorn instead of a uWSGI vassal (extras/gunicorn): one supervisord program
each, /run/vassals/NAME.conf (this extra's app/etc/supervisor/gunicorn/NAME.conf in the repo), its
socket and pidfile in the container's slot, nginx speaking HTTP to it.

The tests run in a stack of their own with GUNICORN=1 (this extra's overlay; the session stack as
shipped has it off, test_gunicorn_off.py). Most add such apps at runtime (UWSGI_TRANSPORT=unix,
where nginx picks HTTP per app), as the extra's page shows; one more stack ships them the way the
repo does, with UWSGI_TRANSPORT=http. Each program is the one `make new-app NAME=… SERVER=gunicorn`
writes."""

import dataclasses
import http.client
import json
import re
import string
import threading
import time
import uuid
from pathlib import Path

import pytest
from harness import ROOT, WORKERS, HttpClient, wait_until
from load import Load, LoadResult, Outcome
from stack_fixtures import second_stack

EXTRA = Path("extras", "gunicorn")
TEMPLATE = ROOT / EXTRA / "new-app-program.conf.tmpl"
PROBE = {"probe.py": (ROOT / "tests" / "stack" / "testapps" / "probe.py").read_text()}
# The probe as a vassal, to compare with the probe served by gunicorn.
PROBE_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
pythonpath = /run/vassals/%n-code
module = probe:app
"""
# The pids of the children of process argv[1] (a gunicorn master's workers), from /proc.
CHILDREN = """
import pathlib, sys
for proc in pathlib.Path("/proc").iterdir():
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        continue
    if proc.name.isdigit() and stat.rsplit(")", 1)[1].split()[1] == sys.argv[1]:
        print(proc.name)
"""
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
# Forwarding headers a client sends itself, and the HTTP transport's own: none may be believed.
FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Ssl": "on",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "1",
    "X-Forwarded-Prefix": "/forged",
    "X-Real-IP": "203.0.113.9",
    "Forwarded": "for=203.0.113.9;proto=https",
    "X-Request-ID": "forged-id",
    "X-Uwsgi-Script-Name": "/forged",
    "X-Uwsgi-Server-Port": "1",
}


@pytest.fixture(scope="module")
def stack():
    """This module's stack: as shipped, with GUNICORN=1 (extras/gunicorn/compose.yaml)."""
    with second_stack("gunicorn", overrides=[EXTRA / "compose.yaml"]) as other:
        yield other


@pytest.fixture(name="http")
def http_client(stack):
    """GET/POST through this module's stack (the name `http` is the standard library's here)."""
    return HttpClient(stack)


def gunicorn_program(name, module=None, options="", environment=None):
    """The program `make new-app NAME=name SERVER=gunicorn` writes, serving `module` (NAME:app by
    default), with gunicorn `options` and environment variables of its own."""
    text = string.Template(TEMPLATE.read_text()).substitute(name=name)
    command = f"/etc/gunicorn/gunicorn.conf.py {name}:app\n"
    assert command in text
    text = text.replace(command, f"/etc/gunicorn/gunicorn.conf.py {options} {module or f'{name}:app'}\n")
    if environment:
        line = 'environment = SUPERVISOR_PASSWORD=""\n'
        assert line in text
        extra = "".join(f',{key}="{value}"' for key, value in environment.items())
        text = text.replace(line, f"{line[:-1]}{extra}\n")
    return text


def supervisorctl(stack, *args):
    return stack.try_exec("app", "supervisorctl", *args)[1]


def install_gunicorn(stack, http, name, program, code=None, status=200):
    """Serve app `name` by gunicorn, as the extra's page shows: its program into /run/vassals, then
    `supervisorctl update`; wait until /apps/NAME/ answers `status`."""
    if code:
        stack.put_files("app", f"/run/vassals/{name}-code", code)
    stack.put_file("app", f"/run/vassals/{name}.conf", program)
    output = supervisorctl(stack, "update", f"gunicorn-{name}")
    assert f"gunicorn-{name}: added process group" in output, output
    return http.wait_for_status(f"/apps/{name}/", status) if status else None


def remove_gunicorn(stack, http, name):
    stack.exec("app", "rm", "-rf", f"/run/vassals/{name}.conf", f"/run/vassals/{name}-code")
    output = supervisorctl(stack, "update", f"gunicorn-{name}")
    assert f"gunicorn-{name}: removed process group" in output, output
    http.wait_for_status(f"/apps/{name}/", 404)


def gunicorn_pids(stack, name):
    """(master, {workers}) of app `name`: the program's pid (0: not running) and its children."""
    output = supervisorctl(stack, "pid", f"gunicorn-{name}").strip()
    master = int(output) if output.isdigit() else 0
    if not master:
        return 0, set()
    return master, {int(pid) for pid in stack.exec("app", "python3", "-c", CHILDREN, str(master)).split()}


def wait_for_new_workers(stack, name, gone, timeout=30):
    def replaced():
        _, workers = gunicorn_pids(stack, name)
        return len(workers) == WORKERS and not workers & gone and workers

    return wait_until(replaced, timeout, f"{name}'s gunicorn workers to be replaced")


def slow_request(stack, http, name, seconds):
    """Start a `seconds`-long request to the probe served as `name`, and return once a worker runs
    it: (the thread, the list its Outcome goes to)."""
    outcome, token = [], uuid.uuid4().hex
    path = f"/apps/{name}/sleep?s={seconds}&token={token}"

    def run():
        started = time.monotonic()
        response = http.get(path, timeout=60)
        error = None if response.status_code == 200 else f"status {response.status_code}"
        outcome.append(Outcome(started, time.monotonic(), path, response.status_code, error))

    thread = threading.Thread(target=run)
    thread.start()
    started = f"/srv/data/{name}/{token}"
    wait_until(lambda: stack.try_exec("app", "test", "-e", started)[0] == 0, 10, "the request to start")
    return thread, outcome


def not_200_is_a_failure(result):
    """The load driver counts 5xx and dropped connections; nginx answers 404 while the app's
    pidfile is gone and the serving slot does not mark it as its own, a failed request here too."""
    return LoadResult(
        [
            o if o.status == 200 else dataclasses.replace(o, error=o.error or f"status {o.status}")
            for o in result.outcomes
        ]
    )


def raw_get(address, path, headers=None):
    """A request line sent as written (an HTTP library would normalise its dots); the JSON answer."""
    connection = http.client.HTTPConnection(*address, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200, (path, response.status, body)
    return json.loads(body)


@pytest.fixture(scope="module")
def gapi(stack):
    """The suite's api (tests/apps/app/api) served by gunicorn as the app `gapi`, at /apps/gapi/."""
    http = HttpClient(stack)
    install_gunicorn(stack, http, "gapi", gunicorn_program("gapi", "api:app"))
    yield "/apps/gapi/"
    remove_gunicorn(stack, http, "gapi")


@pytest.fixture(scope="module")
def probes(stack):
    """tests/stack/testapps/probe.py twice: as the vassal `vprobe` and served by gunicorn as `gprobe`."""
    http = HttpClient(stack)
    stack.put_files("app", "/run/vassals/vprobe-code", PROBE)
    stack.put_file("app", "/run/vassals/vprobe.ini", PROBE_VASSAL)
    program = gunicorn_program("gprobe", "probe:app", "--pythonpath /run/vassals/gprobe-code")
    install_gunicorn(stack, http, "gprobe", program, PROBE)
    http.wait_for_status("/apps/vprobe/", 200)
    yield "vprobe", "gprobe"
    remove_gunicorn(stack, http, "gprobe")
    stack.exec("app", "rm", "-rf", "/run/vassals/vprobe.ini", "/run/vassals/vprobe-code")
    http.wait_for_status("/apps/vprobe/", 404)


def test_an_app_served_by_gunicorn_answers_at_its_url(stack, http, gapi):
    response = http.get(gapi)
    assert response.status_code == 200
    assert response.json()["mounted_at"] == "/apps/gapi/"
    assert http.get("/apps/gapi/ping").text == "pong\n"
    assert http.get("/apps/gapi").headers["Location"] == "/apps/gapi/"
    name, pid = response.headers["X-Vassal"].split("/")
    assert name == "gapi"
    # gunicorn answered: the worker is a child of the program's gunicorn master.
    master, workers = gunicorn_pids(stack, "gapi")
    assert int(pid) in workers
    assert len(workers) == WORKERS
    title = dict(stack.processes())[master]
    assert title.endswith("/opt/venv/bin/gunicorn --config /etc/gunicorn/gunicorn.conf.py api:app"), title
    # gunicornc, the stats socket's counterpart, sees the same workers.
    shown = stack.exec("app", "gunicornc", "-s", "/run/vassals/gapi.ctl", "-c", "show workers", "-j")
    assert {worker["pid"] for worker in json.loads(shown)["workers"]} == workers
    # Beside the vassals' files in the serving slot: the socket nginx may use, the pidfile nginx's
    # 404 check looks for, and the marker that makes nginx speak HTTP.
    slot = "/run/uwsgi/current"
    socket_mode = stack.exec("app", "stat", "-c", "%a %U %G", f"{slot}/gapi.sock").split()
    assert socket_mode == ["660", "app", "sockets"]
    assert stack.exec("app", "cat", f"{slot}/gapi.pid").strip() == str(master)
    assert stack.exec("app", "test", "-f", f"{slot}/gapi.http") == ""
    assert stack.exec("app", "uwsgi-healthcheck").strip() == "healthy: api, main; programs: gapi"


def test_gunicorn_apps_run_as_the_vassals_do(stack, gapi):
    master, workers = gunicorn_pids(stack, "gapi")
    for pid in (master, *workers):
        status = stack.exec("app", "cat", f"/proc/{pid}/status")
        assert re.search(r"^Uid:\s+10001\s+10001\s+10001\s+10001$", status, re.M), status
        assert re.search(r"^NoNewPrivs:\s+1$", status, re.M), status
        assert re.search(r"^CapEff:\s+0+$", status, re.M), status
    # The app's data directory on the persistent volume, made at its start.
    assert stack.exec("app", "stat", "-c", "%a %U", "/srv/data/gapi").split() == ["700", "app"]


def test_the_app_sees_the_same_request_as_under_a_vassal(stack, probes):
    host, port = stack.address
    client = stack.network()["Gateway"]
    seen = {}
    for name in probes:
        path = f"/apps/{name}/a/b%20c/?x=1&y=%2F"
        seen[name] = raw_get(stack.address, path, {**FORGED, "Cookie": "a=b", "User-Agent": "probe"})
    vassal, gunicorn = seen["vprobe"], seen["gprobe"]
    print(json.dumps(seen, indent=1))
    # gunicorn answered the one, uWSGI the other.
    assert gunicorn.pop("SERVER_SOFTWARE").startswith("gunicorn/")
    assert not (vassal.pop("SERVER_SOFTWARE") or "").startswith("gunicorn")
    assert vassal.pop("SCRIPT_NAME") == "/apps/vprobe"
    assert gunicorn.pop("SCRIPT_NAME") == "/apps/gprobe"
    for name, answer in seen.items():
        env = {"VASSAL_NAME": name, "DATA_DIR": f"/srv/data/{name}", "SUPERVISOR_PASSWORD": ""}
        assert answer.pop("env") == env
    for answer in (vassal, gunicorn):
        assert REQUEST_ID.fullmatch(answer.pop("HTTP_X_REQUEST_ID"))
    # nginx to gunicorn is HTTP/1.0 (proxy_http_version's default); over the uwsgi protocol the app
    # is told the client's.
    assert vassal.pop("SERVER_PROTOCOL") == "HTTP/1.1"
    assert gunicorn.pop("SERVER_PROTOCOL") == "HTTP/1.0"
    assert gunicorn == vassal
    assert vassal["PATH_INFO"] == "/a/b c/"
    assert vassal["QUERY_STRING"] == "x=1&y=%2F"
    assert vassal["REMOTE_ADDR"] == vassal["HTTP_X_FORWARDED_FOR"] == client
    assert vassal["HTTP_HOST"] == f"{host}:{port}"
    assert [vassal["SERVER_NAME"], vassal["SERVER_PORT"]] == [host, str(port)]
    assert vassal["wsgi.url_scheme"] == vassal["REQUEST_SCHEME"] == vassal["HTTP_X_FORWARDED_PROTO"] == "http"
    assert vassal["HTTPS"] is None
    assert vassal["HTTP_X_FORWARDED_HOST"] is None


def test_the_app_sees_the_path_nginx_routed_on(stack, probes):
    # nginx routes on the normalized, decoded path; over HTTP it passes the request line as sent.
    for raw, path_info in [("/x//y/./z/../", "/x/y/"), ("/%61/b%2Fc", "/a/b/c")]:
        answers = {name: raw_get(stack.address, f"/apps/{name}{raw}")["PATH_INFO"] for name in probes}
        assert answers == {name: path_info for name in probes}, raw
    # A request line naming another app first, routed to the one served by gunicorn.
    answer = raw_get(stack.address, "/apps/vprobe/../gprobe/x/")
    assert [answer["SCRIPT_NAME"], answer["PATH_INFO"]] == ["/apps/gprobe", "/x/"]


def test_a_post_body_reaches_the_app_alike(http, probes):
    answers = {}
    for name in probes:
        response = http.post(f"/apps/{name}/form", data={"a": "1", "b": "2"})
        assert response.status_code == 200
        answers[name] = response.json()
    for answer in answers.values():
        assert answer["REQUEST_METHOD"] == "POST"
        assert answer["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
        assert answer["CONTENT_LENGTH"] == "7"
        assert answer["body"] == "a=1&b=2"


def test_flask_sees_the_same_request_through_gunicorn(stack, http):
    """The main app (Flask) served by gunicorn as `gmain`: its /whoami says what the vassal's says."""
    install_gunicorn(stack, http, "gmain", gunicorn_program("gmain", "main:app"))
    try:
        host, port = stack.address
        through_uwsgi = http.get("/whoami", headers=FORGED).json()
        through_gunicorn = http.get("/apps/gmain/whoami", headers=FORGED).json()
    finally:
        remove_gunicorn(stack, http, "gmain")
    assert through_uwsgi.pop("url") == f"http://{host}:{port}/whoami"
    assert through_gunicorn.pop("url") == f"http://{host}:{port}/apps/gmain/whoami"
    for answer in (through_uwsgi, through_gunicorn):
        assert REQUEST_ID.fullmatch(answer.pop("request_id"))
    assert through_gunicorn == through_uwsgi
    assert through_uwsgi["remote_addr"] == stack.network()["Gateway"]


def test_an_unknown_app_is_404_a_stopped_gunicorn_app_503_and_unhealthy(stack, http, gapi):
    assert http.get("/apps/no-such-app/").status_code == 404
    supervisorctl(stack, "stop", "gunicorn-gapi")
    try:
        stopped = http.get(gapi)
        assert stopped.status_code == 503
        assert stopped.text == "gapi is not running: the app container's log says why\n"
        # Its socket, pidfile and HTTP mark are gone; its mark as this container's app stays.
        slot = stack.exec("app", "ls", "/run/uwsgi/current/").split()
        assert [name for name in slot if name.startswith("gapi.")] == ["gapi.app"]
        health = stack.wait_unhealthy(30, 0.5)
        assert "unhealthy: program app 'gapi': " in health["Log"][-1]["Output"]
        # The other apps keep serving.
        assert http.get("/apps/api/").status_code == 200
    finally:
        supervisorctl(stack, "start", "gunicorn-gapi")
    http.wait_for_status(gapi, 200)
    wait_until(lambda: stack.health("app")["Status"] == "healthy", 30, "the app to be healthy again", 0.5)


def test_a_gunicorn_app_that_cannot_import_is_broken_naming_it_and_the_others_serve(stack, http, gapi):
    install_gunicorn(stack, http, "gbroken", gunicorn_program("gbroken", "no_such_module:app"), status=None)
    try:
        # Named broken once supervisord backs it off (it died before it was up).
        wait_until(
            lambda: "broken: program app 'gbroken': " in stack.health("app")["Log"][-1]["Output"],
            30,
            "the health check to name the broken gunicorn app",
            0.5,
        )
        # Retried, not FATAL (which would stop the container); never reachable, so 503.
        assert supervisorctl(stack, "status", "gunicorn-gbroken").split()[1] in ("STARTING", "BACKOFF")
        assert http.get("/apps/gbroken/").status_code == 503
        for path in ("/", "/apps/api/", gapi):
            assert http.get(path).status_code == 200
    finally:
        remove_gunicorn(stack, http, "gbroken")
    wait_until(lambda: stack.health("app")["Status"] == "healthy", 30, "the app to be healthy again", 0.5)


def test_a_request_past_the_timeout_gets_500_and_its_worker_is_replaced(stack, http, probes):
    # gunicorn's `timeout`, harakiri's counterpart, shortened for this app alone on its command line.
    program = gunicorn_program("gslow", "probe:app", "--pythonpath /run/vassals/gslow-code --timeout 3")
    install_gunicorn(stack, http, "gslow", program, PROBE)
    try:
        _, before = gunicorn_pids(stack, "gslow")
        started = time.monotonic()
        response = http.get(f"/apps/gslow/sleep?s=20&token={uuid.uuid4().hex}", timeout=30)
        took = time.monotonic() - started
        # SIGABRT interrupts the request in Python: gunicorn answers 500 itself, where harakiri's
        # kill gives nginx's 502.
        assert response.status_code == 500
        assert 3 <= took < 10, took
        wait_until(
            lambda: len(workers := gunicorn_pids(stack, "gslow")[1]) == WORKERS and workers != before,
            30,
            "the killed worker to be replaced",
        )
        assert http.get("/apps/gslow/").status_code == 200
        assert "WORKER TIMEOUT" in stack.container("app").logs(since=int(time.time()) - 60).decode()
    finally:
        remove_gunicorn(stack, http, "gslow")


def test_a_restart_lets_an_in_flight_request_finish(stack, http, probes):
    _, gunicorn = probes
    thread, outcome = slow_request(stack, http, gunicorn, 5)
    started = time.monotonic()
    output = supervisorctl(stack, "restart", f"gunicorn-{gunicorn}")
    took = time.monotonic() - started
    thread.join(30)
    assert "started" in output, output
    (result,) = outcome
    assert result.status == 200, result
    # The stop waited for the request (graceful_timeout), then the program started again.
    assert took >= 3, took
    http.wait_for_status(f"/apps/{gunicorn}/", 200)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["supervisorctl signal HUP", "make reload"])
def test_a_reload_replaces_every_worker_without_a_failed_request(stack, gapi, fault_report, how):
    master, before = gunicorn_pids(stack, "gapi")
    with Load(stack.address, [gapi, "/apps/api/"], clients=16, max_seconds=60) as load:
        load.wait_for(300)
        if how == "make reload":
            stack.make("reload")
        else:
            supervisorctl(stack, "signal", "HUP", "gunicorn-gapi")
        wait_for_new_workers(stack, "gapi", before)
        load.wait_for(len(load.result.outcomes) + 300)
    result = not_200_is_a_failure(load.result)
    fault_report(f"gunicorn app reloaded ({how})", result)
    assert result.failures == []
    # The same master: a reload, not a restart.
    assert gunicorn_pids(stack, "gapi")[0] == master


@pytest.mark.slow
def test_a_restart_under_load_fails_requests_until_it_serves_again(stack, http, gapi, fault_report):
    with Load(stack.address, [gapi], clients=16, max_seconds=60) as load:
        load.wait_for(300)
        fault_at = time.monotonic()
        supervisorctl(stack, "restart", "gunicorn-gapi")
        http.wait_for_status(gapi, 200)
        load.wait_for(len(load.result.outcomes) + 300)
    result = not_200_is_a_failure(load.result)
    recovery = result.recovery_after(fault_at)
    fault_report("gunicorn app restarted (supervisorctl restart)", result, recovery)
    for failure in result.failures[:: max(1, len(result.failures) // 10)]:
        print(f"  {failure.started - fault_at:+.3f} s  {failure.error}")
    assert recovery is not None and recovery < 10, recovery


@pytest.mark.slow
def test_workers_recycle_by_age_without_a_failed_request(stack, http, fault_report):
    # UWSGI_MAX_WORKER_LIFETIME (min 60 s) shortened for this app alone, in its program's environment.
    lifetime = {"VASSAL_MAX_WORKER_LIFETIME": "2", "VASSAL_MAX_WORKER_LIFETIME_DELTA": "1"}
    install_gunicorn(stack, http, "gage", gunicorn_program("gage", "api:app", environment=lifetime))
    try:
        _, first = gunicorn_pids(stack, "gage")
        with Load(stack.address, ["/apps/gage/"], clients=16, max_seconds=60) as load:
            load.wait_for(100)
            second = wait_for_new_workers(stack, "gage", first)
            wait_for_new_workers(stack, "gage", first | second)
            load.wait_for(len(load.result.outcomes) + 100)
        result = not_200_is_a_failure(load.result)
        fault_report("gunicorn workers recycled by age (2-3 s)", result)
        assert result.failures == []
    finally:
        remove_gunicorn(stack, http, "gage")


def test_main_at_the_root_can_leave_uwsgi_too(stack, http):
    """The main app served by gunicorn at / (nginx's `location /` picks HTTP the same way)."""
    stack.exec("app", "rm", "/run/vassals/main.ini")
    try:
        # No main app at all, once the health check saw it go: 404.
        http.wait_for_status("/", 404)
        install_gunicorn(stack, http, "main", gunicorn_program("main"), status=None)
        response = http.wait_for_status("/", 200)
        master, workers = gunicorn_pids(stack, "main")
        assert int(response.headers["X-Vassal"].split("/")[1]) in workers
        whoami = http.get("/whoami").json()
        assert whoami["url"] == "http://{}:{}/whoami".format(*stack.address)
        assert master
    finally:
        stack.exec("app", "rm", "-f", "/run/vassals/main.conf")
        supervisorctl(stack, "update", "gunicorn-main")
        stack.exec("app", "cp", "/etc/uwsgi/vassals/main.ini", "/run/vassals/.main.tmp")
        stack.exec("app", "mv", "/run/vassals/.main.tmp", "/run/vassals/main.ini")
    response = wait_until(
        lambda: (r := http.get("/")).status_code == 200 and not gunicorn_pids(stack, "main")[0] and r,
        30,
        "the main vassal to serve / again",
    )
    assert stack.vassal_processes("main")["master"]
    assert response.status_code == 200


def test_the_tcp_transport_and_an_app_both_vassal_and_gunicorn_are_refused_at_start(stack, tmp_path):
    """The app container refuses to start, naming the problem, as for a bad knob."""
    programs = tmp_path / "programs"
    programs.mkdir(mode=0o755)
    refusals = {
        ("gshipped", "tcp"): "UWSGI_TRANSPORT=tcp cannot reach gshipped, served by gunicorn",
        ("api", "unix"): "api is both a vassal (uwsgi/vassals/api.ini) and a gunicorn app",
    }
    for (name, transport), why in refusals.items():
        for old in programs.iterdir():
            old.unlink()
        (programs / f"{name}.conf").write_text(gunicorn_program(name))
        (programs / f"{name}.conf").chmod(0o644)
        mount = f"{programs}:/etc/supervisor/gunicorn:ro"
        run = ["run", "--rm", "--no-deps", "-v", mount, "-e", f"UWSGI_TRANSPORT={transport}", "app", "true"]
        result = stack.compose(*run, check=False, timeout=60)
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert f"app: {why}" in output, output


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A stack of its own whose image ships two apps served by gunicorn (/etc/supervisor/gunicorn/
    mounted over the image's: tests/compose.programs.yaml), with UWSGI_TRANSPORT=http: the main
    app's code as `gmain`, the API's as `gapi`."""
    programs = tmp_path_factory.mktemp("programs")
    programs.chmod(0o755)
    for name, module in (("gmain", "main:app"), ("gapi", "api:app")):
        (programs / f"{name}.conf").write_text(gunicorn_program(name, module))
        (programs / f"{name}.conf").chmod(0o644)
    env = {"GUNICORN_PROGRAMS": str(programs), "UWSGI_TRANSPORT": "http"}
    overrides = [EXTRA / "compose.yaml", EXTRA / "tests" / "compose.programs.yaml"]
    with second_stack("gshipped", overrides=overrides, env=env) as other:
        yield other


def test_apps_shipped_with_gunicorn_are_served_from_the_start_in_the_http_transport(shipped):
    http = HttpClient(shipped)
    host, port = shipped.address
    assert shipped.exec("app", "uwsgi-healthcheck").strip() == "healthy: api, main; programs: gapi, gmain"
    assert http.get("/apps/gapi/").json()["mounted_at"] == "/apps/gapi/"
    assert http.get("/apps/gapi/").headers["X-Vassal"].startswith("gapi/")
    assert http.get("/apps/gmain/").status_code == 200
    through_uwsgi = http.get("/whoami", headers=FORGED).json()
    through_gunicorn = http.get("/apps/gmain/whoami", headers=FORGED).json()
    assert through_uwsgi.pop("url") == f"http://{host}:{port}/whoami"
    assert through_gunicorn.pop("url") == f"http://{host}:{port}/apps/gmain/whoami"
    for answer in (through_uwsgi, through_gunicorn):
        assert REQUEST_ID.fullmatch(answer.pop("request_id"))
    assert through_gunicorn == through_uwsgi
    # Exit status 3: the tcp transport's router is not running, as it should not.
    status = shipped.try_exec("app", "supervisorctl", "status")[1]
    assert re.search(r"^gunicorn-gapi\s+RUNNING", status, re.M), status
    assert re.search(r"^gunicorn-gmain\s+RUNNING", status, re.M), status
    assert http.get("/apps/no-such-app/").status_code == 404

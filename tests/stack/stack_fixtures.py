"""The real stack, once per test session, under a unique Compose project name: the fixtures of
every stack test, the core's (tests/stack/) and the extras' (extras/NAME/tests/stack/), loaded as a
pytest plugin by the repository's root conftest.py.

Compose brings it up (images built as needed) with nginx on an ephemeral 127.0.0.1 port; the Docker
SDK finds its containers by label. A failing test's report gets `ps -a` and every container's logs;
`down -v` always runs (unless --keep-stack), also when start-up failed, and must leave nothing behind.
"""

import contextlib
import threading
import time
import uuid
from pathlib import Path

import pytest
from harness import HttpClient, Stack, wait_until
from load import Outcome

_stacks = []
# Every fault a test injected, for the table at the end of the run: nothing lost silently.
_faults = []
# A vassal whose app cannot be imported: the emperor retries it forever.
BROKEN_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
module = no_such_module:app
"""
# A new vassal running the API's code under another name: served at /apps/<name>/.
EXTRA_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
module = api:app
"""
LAB_CODE = (Path(__file__).parent / "testapps" / "lab.py").read_text()


def code_vassal(module, more=""):
    """A vassal added at runtime whose code lives on the writable vassal volume, beside its .ini:
    /run/vassals/NAME-code/MODULE.py, its callable `app`."""
    return f"""[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
pythonpath = /run/vassals/%n-code
module = {module}:app
{more}"""


# Fault tests only: the lab vassal.
LAB_VASSAL = code_vassal(
    "lab",
    "; Short enough for a test, longer than the 5 s requests the stop tests keep in flight.\nharakiri = 8\n",
)


def pytest_addoption(parser):
    parser.addoption(
        "--keep-stack",
        action="store_true",
        help="leave the test stack running after the run, for debugging (its project name is printed)",
    )


def pytest_collection_modifyitems(items):
    for item in items:
        if "stack" in item.path.relative_to(item.config.rootpath).parts[:-1]:
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack(request):
    with second_stack("test", keep=request.config.getoption("--keep-stack")) as stack:
        yield stack


@contextlib.contextmanager
def second_stack(name, overrides=(), env=None, keep=False):
    """A stack of its own Compose project (the session's, or another for knobs the session stack
    does not have): up on entry, its ps and logs in a failing test's report, always down on exit
    (unless `keep`) and nothing left behind."""
    stack = Stack(f"wsgi-stack-{name}-{uuid.uuid4().hex[:8]}", overrides=overrides, env=env)
    _stacks.append(stack)
    try:
        stack.up()
        yield stack
    finally:
        try:
            if keep:
                print(f"\n--keep-stack: the stack is still up as Compose project {stack.project}")
            else:
                stack.down()
                leftovers = stack.leftovers()
                assert not leftovers, f"down left these behind: {leftovers}"
        finally:
            _stacks.remove(stack)


def in_flight_request(stack, http, lab, seconds=5):
    """Start a `seconds`-long request to the lab vassal and return once a worker is busy with it:
    (the thread, the list its Outcome goes to)."""
    outcome, token = [], uuid.uuid4().hex

    def slow_request():
        started = time.monotonic()
        response = http.get(f"{lab}sleep?s={seconds}&token={token}", timeout=60)
        error = None if response.status_code == 200 else f"status {response.status_code}"
        outcome.append(
            Outcome(started, time.monotonic(), f"{lab}sleep?s={seconds}", response.status_code, error)
        )

    thread = threading.Thread(target=slow_request)
    thread.start()
    wait_until(lambda: stack.busy_workers("lab", token), 5, f"the {seconds} s request to reach a worker")
    return thread, outcome


@pytest.fixture(autouse=True)
def healthy(request):
    """Every stack test starts from a healthy stack, whatever the test before it broke."""
    if request.node.get_closest_marker("stack"):
        request.getfixturevalue("stack").wait_healthy()


@pytest.fixture
def fault_report():
    """record(fault, result, recovery_s=None, note=""): one row of the end-of-run fault table,
    `result` a LoadResult of the traffic sent while the fault happened."""

    def record(fault, result, recovery_s=None, note=""):
        _faults.append((fault, result.sent, len(result.failures), recovery_s, note or result.failure_kinds()))
        recovery = "" if recovery_s is None else f", serving again {recovery_s:.2f} s after the fault"
        print(f"{fault}: {result.summary()}{recovery} {note}")

    return record


def pytest_terminal_summary(terminalreporter):
    if not _faults:
        return
    write = terminalreporter.write_line
    terminalreporter.section("faults under load")
    write(f"{'fault':<44} {'failed / sent':>16} {'recovery':>9}  notes")
    for fault, sent, failed, recovery_s, note in _faults:
        recovery = "-" if recovery_s is None else f"{recovery_s:.2f} s"
        write(f"{fault:<44} {f'{failed:,} / {sent:,}':>16} {recovery:>9}  {note or ''}")


def lab_code(version):
    """tests/stack/testapps/lab.py, answering {"version": version}."""
    return LAB_CODE.replace("VERSION = 1", f"VERSION = {version}")


def install_lab(stack, http, name, version=1):
    """Run the lab app, answering {"version": version}, as vassal `name`."""
    stack.put_files("app", f"/run/vassals/{name}-code", {"lab.py": lab_code(version)})
    stack.put_file("app", f"/run/vassals/{name}.ini", LAB_VASSAL)
    return http.wait_for_status(f"/apps/{name}/", 200)


def remove_lab(stack, http, name):
    """Stop vassal `name` and remove its files; return once nginx answers 404 for it."""
    stack.exec(
        "app", "rm", "-rf", *(f"/run/vassals/{name}{suffix}" for suffix in (".ini", ".reload", "-code"))
    )
    http.wait_for_status(f"/apps/{name}/", 404)


@pytest.fixture
def lab(stack, http):
    """The fault-test vassal `lab` at /apps/lab/, installed if absent (a container restart resets
    the vassal directory)."""
    if http.get("/apps/lab/").status_code != 200:
        install_lab(stack, http, "lab")
    return "/apps/lab/"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _stacks:
        report.sections.append(("stack: ps and logs", _stacks[-1].diagnostics()))
    return report


@pytest.fixture
def http(stack):
    """GET/POST through the session stack's nginx on its published loopback port."""
    return HttpClient(stack)

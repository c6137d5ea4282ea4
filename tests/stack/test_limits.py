"""Resource limits: both containers run under a memory and a process limit, and a
worker that leaks past UWSGI_RELOAD_ON_RSS is recycled after its request, before the memory limit's
OOM killer gets to it: under load no request fails, and the container is neither OOM-killed nor
restarted. Without reload-on-rss the same leak meets the OOM killer."""

import time

import pytest
from harness import HttpClient, wait_until
from load import Load
from stack_fixtures import install_lab, second_stack

MIB = 2**20
# compose.yaml's defaults, as Docker applies them: (memory, pids). Memory and swap are the same: no swap.
LIMITS = {"app": (2048 * MIB, 512), "nginx": (256 * MIB, 256)}
# A small stack, so that a leak reaches its limits within seconds: the shipped vassals, the lab and
# supervisord use ~140 MiB of it; a lab worker starts at ~20 MiB resident and leaks LEAK_MIB a request.
TIGHT = {"APP_MEMORY_LIMIT": "384m", "UWSGI_RELOAD_ON_RSS": "64"}
RELOAD_ON_RSS = int(TIGHT["UWSGI_RELOAD_ON_RSS"])
LEAK_MIB = 16
# uWSGI's min-worker-lifetime: reload-on-rss spares a worker younger than this (seconds).
MIN_WORKER_LIFETIME = 10
PATHS = ["/apps/lab/", "/apps/api/", "/"]
# The first of the files given that exists: cgroup v2's name first, then v1's.
FIRST_OF = 'for file in "$@"; do if [ -r "$file" ]; then exec cat "$file"; fi; done; exit 1'


def _cgroup(stack, service, v2, v1):
    """A file of the container's own cgroup, as the container sees it (v2 or v1)."""
    return stack.exec(service, "sh", "-c", FIRST_OF, "sh", f"/sys/fs/cgroup/{v2}", f"/sys/fs/cgroup/{v1}")


def _oom_kills(stack, service="app"):
    """How many processes the kernel's OOM killer has killed in the container's cgroup."""
    text = _cgroup(stack, service, "memory.events", "memory/memory.oom_control")
    (count,) = (line.split()[1] for line in text.splitlines() if line.startswith("oom_kill "))
    return int(count)


def _memory_mib(stack, service):
    """The container's memory use now, MiB (cgroup: processes, tmpfs and page cache)."""
    return int(_cgroup(stack, service, "memory.current", "memory/memory.usage_in_bytes")) / MIB


def _workers(stack, vassal):
    return stack.vassal_stats(vassal)["workers"]


def _log(stack):
    return stack.container("app").logs().decode(errors="replace")


def _nginx_errors(stack, path):
    """nginx's error lines about requests for `path` (e.g. `upstream prematurely closed connection`)."""
    lines = stack.container("nginx").logs().decode(errors="replace").splitlines()
    return [line for line in lines if "[error]" in line and f'request: "GET {path}' in line]


def _oom_events(stack, since):
    """Docker's `oom` events for the app container since `since` (a time.time())."""
    filters = {"container": stack.container("app").id, "event": "oom"}
    until = int(time.time()) + 1
    return list(stack.docker.events(since=int(since), until=until, filters=filters, decode=True))


@pytest.fixture(scope="module")
def tight():
    with second_stack("limits", env=TIGHT) as stack:
        yield stack


def test_both_containers_run_under_the_shipped_limits(stack):
    for service, (memory, pids) in LIMITS.items():
        host = stack.container(service).attrs["HostConfig"]
        assert (host["Memory"], host["MemorySwap"], host["PidsLimit"]) == (memory, memory, pids), service
        # ... and the kernel enforces them on the container's own cgroup.
        assert int(_cgroup(stack, service, "memory.max", "memory/memory.limit_in_bytes")) == memory
        assert int(_cgroup(stack, service, "pids.max", "pids/pids.max")) == pids
        used = _cgroup(stack, service, "pids.current", "pids/pids.current").strip()
        print(f"{service}: {_memory_mib(stack, service):.0f} MiB, {used} processes and threads")


def _leak_until_past_the_threshold(stack, http, vassal):
    """Leak LEAK_MIB per request to `vassal` until one answer says its worker is resident past
    RELOAD_ON_RSS; return every answer (a few: each is bounded by the limits)."""
    answers = []

    def leak():
        response = http.get(f"/apps/{vassal}/alloc?mb={LEAK_MIB}")
        assert response.status_code == 200, response.text
        answers.append(response.json())
        return answers[-1]["rss_mib"] >= RELOAD_ON_RSS

    wait_until(leak, 30, f"a worker of {vassal} to grow past {RELOAD_ON_RSS} MiB", interval=0)
    return answers


def _wait_until_old_enough(stack, vassal):
    """reload-on-rss spares workers younger than min-worker-lifetime: wait until both are older."""
    wait_until(
        lambda: all(time.time() - w["last_spawn"] > MIN_WORKER_LIFETIME + 1 for w in _workers(stack, vassal)),
        MIN_WORKER_LIFETIME + 15,
        f"the workers of {vassal} to be older than min-worker-lifetime",
        interval=0.5,
    )


@pytest.mark.slow
def test_a_leaking_worker_is_recycled_before_the_oom_killer_gets_it(tight, fault_report):
    http = HttpClient(tight)
    install_lab(tight, http, "lab")
    app = tight.container("app")
    oom_kills, started_at, since = _oom_kills(tight), app.attrs["State"]["StartedAt"], time.time()
    _wait_until_old_enough(tight, "lab")
    base = _memory_mib(tight, "app")
    with Load(tight.address, PATHS, clients=8, max_seconds=60) as load:
        load.wait_for(200)
        answers = _leak_until_past_the_threshold(tight, http, "lab")
        leaker = answers[-1]["pid"]
        # It answered, then exited; its master started a fresh worker in its place.
        tight.wait_for_workers("lab", {leaker}, 10, f"the leaking worker {leaker} to be replaced")
        load.wait_for(len(load.result.outcomes) + 300)
    peak = _cgroup(tight, "app", "memory.peak", "memory/memory.max_usage_in_bytes")
    note = (
        f"worker {leaker} recycled at {answers[-1]['rss_mib']} MiB resident after {len(answers)} leaks "
        f"of {LEAK_MIB} MiB; container {base:.0f} MiB before, peak {int(peak) / MIB:.0f} of "
        f"{TIGHT['APP_MEMORY_LIMIT']}"
    )
    fault_report("a worker leaking past reload-on-rss", load.result, note=note)
    assert not load.result.failures, load.result.failure_kinds()
    # Recycled by reload-on-rss: it said goodbye itself, nobody killed it.
    log = _log(tight)
    assert f"...The work of process {leaker} is done. Seeya!" in log
    assert "killed by signal 9" not in log
    # Not even a request nginx had to retry (it retries a dropped GET once, unseen by the client).
    assert not _nginx_errors(tight, "/apps/lab/")
    assert _oom_kills(tight) == oom_kills
    assert not _oom_events(tight, since)
    app.reload()
    assert app.attrs["State"]["OOMKilled"] is False
    assert (app.attrs["RestartCount"], app.attrs["State"]["StartedAt"]) == (0, started_at)


@pytest.mark.parametrize(
    ("knobs", "exits", "line"),
    [
        (
            {"UWSGI_RELOAD_ON_RSS": "128"},
            True,
            "UWSGI_RELOAD_ON_RSS=128 (MiB) must be below this container's memory limit (128 MiB",
        ),
        (
            {"UWSGI_RELOAD_ON_RSS": "40"},
            False,
            "app: warning: 2 vassals x 2 processes x UWSGI_RELOAD_ON_RSS=40 MiB is not below the memory "
            "limit (128 MiB",
        ),
    ],
)
def test_reload_on_rss_is_checked_against_the_memory_limit(stack, knobs, exits, line):
    """A threshold at or above the memory limit (the OOM killer would always come first) stops the
    app container at start; one that the shipped vassals' workers cannot all reach together within
    the limit is a warning."""
    container = stack.docker.containers.run(
        stack.container("app").image,
        environment=knobs,
        mem_limit="128m",
        sysctls={"net.core.somaxconn": "1024"},
        detach=True,
    )
    try:
        if exits:
            assert container.wait(timeout=30)["StatusCode"] == 1
        else:
            wait_until(lambda: "app: transport" in container.logs().decode(), 30, "the app's start line")
            container.reload()
            assert container.status == "running"
        assert line in container.logs().decode()
    finally:
        container.remove(force=True)

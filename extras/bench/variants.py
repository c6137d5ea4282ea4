"""The ways `make bench` serves the same API code (the suite's, tests/apps/app/api), and how each is
started, paused and weighed. Every container variant is a Compose project of its own
(harness.Stack) with an ephemeral 127.0.0.1 port; the `host` variant is the same config as plain
processes on the host (host.py)."""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "stack"))
from harness import Stack  # noqa: E402 - the tests' Compose + Docker SDK wrapper
from host import HostStack, rss_mib  # noqa: E402 - the "host" variant: the same config, no containers

# The three responses: 5 bytes of text, ~10 KB of JSON, and one that waits 20 ms (the api: a
# database call's stand-in), under the vassal's prefix or at the root of a server of its own.
RESPONSES = ("tiny", "json", "wait")
ENDPOINTS = {"tiny": "/ping", "json": "/items", "wait": "/wait"}


def paths(prefix=""):
    return tuple((response, prefix + ENDPOINTS[response]) for response in RESPONSES)


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    overrides: tuple = ()  # Compose files over compose.yaml and tests/compose.test.yaml
    env: tuple = ()  # knobs: (("UWSGI_THREADS", "16"),)
    services: tuple = ()  # what to start; () = everything
    paths: tuple = paths("/apps/api")
    port: tuple = ("nginx", 8080)  # (service, container port) published; or ("host", port)
    vassal: str = "api"  # whose processes are weighed as "the vassal" (None: not uWSGI)


GUNICORN_FILES = ("extras/bench/compose.gunicorn.yaml",)
VARIANTS = [
    Variant("host", "the stack's config as bare host processes (the limit)", port=("host", 18081)),
    Variant("stack", "the stack as shipped: nginx → unix socket → uWSGI"),
    Variant(
        "host-network",
        "the stack, nginx on the host network",
        ("extras/bench/compose.host-network.yaml",),
        port=("host", 18080),
    ),
    Variant("tcp", "nginx → TCP → uWSGI", ("extras/bench/compose.tcp.yaml",), paths=paths()),
    Variant(
        "uwsgi-http",
        "uWSGI http-socket alone",
        ("extras/bench/compose.uwsgi-http.yaml",),
        services=("app",),
        paths=paths(),
        port=("app", 9090),
    ),
    Variant("threads", "the stack, UWSGI_THREADS=16", env=(("UWSGI_THREADS", "16"),)),
    Variant(
        "uwsgi-gevent",
        "the stack, a vassal in uWSGI's gevent loop",
        ("extras/bench/compose.uwsgi-gevent.yaml",),
        paths=paths("/apps/apigevent"),
        vassal="apigevent",
    ),
    Variant("gunicorn", "nginx → gunicorn, sync", GUNICORN_FILES, paths=paths(), vassal=None),
    Variant(
        "gunicorn-gthread",
        "nginx → gunicorn, gthread × 16",
        GUNICORN_FILES,
        env=(("BENCH_GUNICORN_ARGS", "--worker-class=gthread --threads=16"),),
        paths=paths(),
        vassal=None,
    ),
    Variant(
        "gunicorn-gevent",
        "nginx → gunicorn, gevent",
        GUNICORN_FILES,
        env=(("BENCH_GUNICORN_ARGS", "--worker-class=gevent --worker-connections=64"),),
        paths=paths(),
        vassal=None,
    ),
    Variant(
        "nginx-only",
        "nginx return 200 (the front's ceiling)",
        ("extras/bench/compose.nginx-only.yaml",),
        paths=(("tiny", "/ping"),),
        vassal=None,
    ),
]


# Where each cgroup version keeps a cgroup's memory: (root, usage file, inactive cache in memory.stat).
CGROUP_MEMORY = {
    "memory": ("/sys/fs/cgroup/memory", "memory.usage_in_bytes", "total_inactive_file"),  # v1
    "": ("/sys/fs/cgroup", "memory.current", "inactive_file"),  # v2: the unified hierarchy
}


def cgroup_memory_mib(pid):
    """The memory of the cgroup `pid` is in, as `docker stats` counts it: usage less the inactive
    page cache. cgroup v1 or v2, whatever Docker's cgroup driver (the path comes from /proc)."""
    paths = dict(line.split(":", 2)[1:] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines())
    controller = "memory" if "memory" in paths else ""
    root, usage, inactive = CGROUP_MEMORY[controller]
    directory = Path(root, paths[controller].lstrip("/"))
    stat = dict(line.split() for line in (directory / "memory.stat").read_text().splitlines())
    return (int((directory / usage).read_text()) - int(stat[inactive])) / 2**20


class ComposeVariant:
    """A variant's Compose project: up, down, pause (every container frozen: no CPU while another
    variant is measured), resume, its address, and what it weighs."""

    def __init__(self, variant, run_id):
        self.variant = variant
        self.stack = Stack(
            f"wsgi-stack-bench-{variant.name}-{run_id}", variant.overrides, env=dict(variant.env)
        )
        self.vassal_pids = []

    def up(self):
        self.stack.up(*self.variant.services)
        if self.variant.vassal:
            # The vassal's master and workers, by the title uWSGI gives them ("[api] uWSGI worker 1");
            # they live an hour (max-worker-lifetime), longer than the bench.
            top = self.stack.container("app").top()
            pid, command = top["Titles"].index("PID"), top["Titles"].index("CMD")
            prefix = f"[{self.variant.vassal}] "
            self.vassal_pids = [int(p[pid]) for p in top["Processes"] if p[command].startswith(prefix)]

    def down(self):
        for container in self.containers():
            if container.status == "paused":
                container.unpause()
        self.stack.down()

    def containers(self):
        label = {"label": f"com.docker.compose.project={self.stack.project}"}
        return self.stack.docker.containers.list(filters=label)

    def pause(self):
        for container in self.containers():
            container.pause()

    def resume(self):
        for container in self.containers():
            container.unpause()

    @property
    def address(self):
        service, port = self.variant.port
        return ("127.0.0.1", port) if service == "host" else self.stack.published(service, port)

    def memory(self):
        """MiB: each container's memory as `docker stats` counts it, and the vassal's processes'
        resident memory summed. Read from the host's /proc and /sys: no work for dockerd while a
        variant is measured (its stats API also takes a second a container)."""
        weights = {
            container.labels["com.docker.compose.service"]: cgroup_memory_mib(container.attrs["State"]["Pid"])
            for container in self.containers()
        }
        if self.vassal_pids:
            weights["vassal"] = sum(rss_mib(pid) for pid in self.vassal_pids)
        return weights


def variant_stacks(variants, run_id):
    """{name: a started-to-be stack} for the variants; `host` runs on the host (host.py)."""
    stacks = {}
    for variant in variants:
        if variant.name == "host":
            stacks[variant.name] = HostStack(variant.port[1])
        else:
            stacks[variant.name] = ComposeVariant(variant, run_id)
    return stacks


def wanted_variants():
    """BENCH_VARIANTS (space-separated names), or all of them: all but `host` when not root (it
    needs unshare and mount), unless asked for by name."""
    wanted = os.environ.get("BENCH_VARIANTS", "").split()
    unknown = set(wanted) - {v.name for v in VARIANTS}
    if unknown:
        sys.exit(f"BENCH_VARIANTS: no such variant {', '.join(sorted(unknown))}")
    if not wanted and os.geteuid() != 0:
        print("bench: not root, so no `host` variant (the ratios are to the stack)", file=sys.stderr)
        wanted = [v.name for v in VARIANTS if v.name != "host"]
    return [v for v in VARIANTS if not wanted or v.name in wanted]

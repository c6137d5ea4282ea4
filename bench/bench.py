"""`make bench`: the stack against its alternatives, side by side, on this machine.

Every variant runs the same API code (app/api) with the same worker count, under its own Compose
project with an ephemeral 127.0.0.1 port. wrk (on the host, against 127.0.0.1 only) drives each
variant and response for BENCH_SECONDS after a 1 s warm-up, variants interleaved round-robin over
BENCH_ROUNDS rounds; medians are reported. Then a paced run of the stack at half its peak.
Results: a markdown table on stdout, JSON and a PNG chart under bench/results/ (git-ignored).
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "stack"))
from harness import Stack  # noqa: E402 - the tests' Compose + Docker SDK wrapper
from host import HostStack, versions  # noqa: E402 - the "host" variant: the same config, no containers

RESULTS = ROOT / "bench" / "results"
REPORT_LUA = ROOT / "bench" / "wrk" / "report.lua"
STACK_PATHS = {"tiny": "/apps/api/ping", "json": "/apps/api/items"}
ROOT_PATHS = {"tiny": "/ping", "json": "/items"}


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    overrides: tuple = ()
    services: tuple = ()  # what to start; () = everything
    paths: tuple = tuple(STACK_PATHS.items())
    port: tuple = ("nginx", 8080)  # (service, container port) published; or ("host", port)


VARIANTS = [
    Variant("stack", "nginx → unix socket → uWSGI (shipped)"),
    Variant("tcp", "nginx → TCP → uWSGI", ("bench/compose.tcp.yaml",), paths=tuple(ROOT_PATHS.items())),
    Variant(
        "uwsgi-http",
        "uWSGI http-socket alone",
        ("bench/compose.uwsgi-http.yaml",),
        services=("app",),
        paths=tuple(ROOT_PATHS.items()),
        port=("app", 9090),
    ),
    Variant(
        "gunicorn",
        "nginx → unix socket → gunicorn",
        ("bench/compose.gunicorn.yaml",),
        paths=tuple(ROOT_PATHS.items()),
    ),
    Variant(
        "nginx-only",
        "nginx return 200 (ceiling)",
        ("bench/compose.nginx-only.yaml",),
        paths=(("tiny", "/ping"),),
    ),
    Variant(
        "host-network",
        "stack, nginx on host network",
        ("bench/compose.host-network.yaml",),
        port=("host", 18080),
    ),
    Variant("host", "stack's config, bare host processes (the limit)", port=("host", 18081)),
]


def setting(name, default):
    return type(default)(os.environ.get(name, default))


def wrk(address, path, seconds, connections, threads, delay_ms=0):
    """One wrk run against http://host:port/path; its JSON summary plus requests/s."""
    host, port = address
    assert host in ("127.0.0.1", "localhost"), f"bench traffic goes to loopback only, not {host}"
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(REPORT_LUA),
    ]
    result = subprocess.run(
        [*command, f"http://{host}:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
        env={**os.environ, "WRK_DELAY_MS": str(delay_ms)},
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


def address_of(stack, variant):
    service, port = variant.port
    return ("127.0.0.1", port) if service == "host" else stack.published(service, port)


def median_runs(runs):
    """Medians over rounds of one variant and response."""
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["latency_us"]["p50"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["latency_us"]["p99"] for r in runs) / 1000,
        "non_2xx": sum(r["non_2xx_3xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "rounds": len(runs),
    }


def markdown_table(medians, labels):
    """medians: {(variant, response): median_runs(...)}; ratios against the stack's."""
    lines = [
        "| variant | response | requests/s | ratio to stack | p50 ms | p99 ms | non-2xx | socket errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (name, response), m in medians.items():
        stack_rps = medians.get(("stack", response), {}).get("rps")
        ratio = f"{m['rps'] / stack_rps:.2f}" if stack_rps else "–"
        cells = [
            labels[name],
            response,
            f"{m['rps']:,.0f}",
            ratio,
            f"{m['p50_ms']:.2f}",
            f"{m['p99_ms']:.2f}",
        ]
        lines.append("| " + " | ".join([*cells, str(m["non_2xx"]), str(m["socket_errors"])]) + " |")
    return "\n".join(lines)


def targets(medians, paced):
    """The issue's targets, reported (never asserted): (description, measured, met)."""

    def rps(name, response):
        return medians.get((name, response), {}).get("rps")

    def ratio(a, b, response):
        return rps(a, response) / rps(b, response) if rps(a, response) and rps(b, response) else None

    rows = [
        ("stack ≥ 2.5× gunicorn, tiny", ratio("stack", "gunicorn", "tiny"), 2.5),
        ("stack ≥ 1.6× gunicorn, 10 KB JSON", ratio("stack", "gunicorn", "json"), 1.6),
        ("stack ≥ 1.5× TCP, tiny", ratio("stack", "tcp", "tiny"), 1.5),
        ("stack within 10 % of host-network, tiny", ratio("stack", "host-network", "tiny"), 0.9),
    ]
    report = [
        (text, f"{value:.2f}×" if value else "–", bool(value and value >= goal)) for text, value, goal in rows
    ]
    non_2xx = sum(m["non_2xx"] + m["socket_errors"] for (name, _), m in medians.items() if name == "stack")
    report.append(("0 non-2xx/socket errors at peak (stack)", str(non_2xx), non_2xx == 0))
    if paced:
        p99 = paced["latency_us"]["p99"] / 1000
        report.append((f"p99 < 5 ms at half peak ({paced['rps']:,.0f} req/s)", f"{p99:.2f} ms", p99 < 5))
    return report


def plot(medians, labels, path):
    import matplotlib  # noqa: PLC0415 - only `make bench` installs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = list(dict.fromkeys(name for name, _ in medians))
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for response, offset in (("tiny", -0.2), ("json", 0.2)):
        xs = [i + offset for i, n in enumerate(names) if (n, response) in medians]
        present = [n for n in names if (n, response) in medians]
        axes[0].bar(xs, [medians[(n, response)]["rps"] for n in present], width=0.4, label=response)
        axes[1].bar(xs, [medians[(n, response)]["p99_ms"] for n in present], width=0.4, label=response)
    for axis, title in (
        (axes[0], "requests/s (higher is better)"),
        (axes[1], "p99 latency, ms (lower is better)"),
    ):
        axis.set_xticks(range(len(names)), [labels[n] for n in names], rotation=25, ha="right", fontsize=8)
        axis.set_title(title)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def image_sizes():
    prefix, tag = os.environ.get("IMAGE_PREFIX", "wsgi-stack"), os.environ.get("IMAGE_TAG", "local")
    sizes = {}
    for service in ("app", "nginx"):
        inspect = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Size}}", f"{prefix}-{service}:{tag}"],
            capture_output=True,
            text=True,
            check=True,
        )
        sizes[service] = int(inspect.stdout) / 1e6
    return sizes


def rebuild_seconds():
    """Time of an app image rebuild after a one-line change to the app's code, in a copy of the
    tracked files (the working tree stays untouched), tagged apart and removed afterwards."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    with tempfile.TemporaryDirectory() as copy:
        for name in files.splitlines():
            target = Path(copy, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        env = {**os.environ, "IMAGE_TAG": "bench-rebuild"}
        build = [str(ROOT / "scripts" / "compose"), "--project-directory", copy, "build", "--quiet", "app"]
        subprocess.run(build, env=env, check=True, capture_output=True)  # same content: all cached
        with Path(copy, "app", "api", "__init__.py").open("a") as code:
            code.write("# a one-line change\n")
        started = time.monotonic()
        subprocess.run(build, env=env, check=True, capture_output=True)
        took = time.monotonic() - started
        prefix = os.environ.get("IMAGE_PREFIX", "wsgi-stack")
        subprocess.run(
            ["docker", "image", "rm", f"{prefix}-app:bench-rebuild"], capture_output=True, check=False
        )
        # The first build's image, untagged by the second: Compose labelled both with the copy's
        # project name (its directory's).
        project = f"label=com.docker.compose.project={Path(copy).name.lower()}"
        subprocess.run(
            ["docker", "image", "prune", "--force", "--filter", project], capture_output=True, check=False
        )
    return took


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@dataclass(frozen=True)
class Settings:
    seconds: int = setting("BENCH_SECONDS", 5)
    rounds: int = setting("BENCH_ROUNDS", 3)
    connections: int = setting("BENCH_CONNECTIONS", 32)
    threads: int = setting("BENCH_THREADS", 2)

    def wrk(self, address, path, seconds=None, delay_ms=0):
        return wrk(address, path, seconds or self.seconds, self.connections, self.threads, delay_ms)


class Progress:
    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, text):
        print(f"[{time.monotonic() - self.started:5.0f} s] {text}", flush=True)


def measure(variants, stacks, settings, progress, facts):
    """Bring every variant up, then the rounds; return the runs and the paced run."""
    runs, paced = {}, None
    for variant in variants:
        progress(f"starting {variant.name} ...")
        up_started = time.monotonic()
        stacks[variant.name].up(*variant.services)
        if variant.name == "stack":
            facts["up_to_healthy_s"] = time.monotonic() - up_started
    for round_number in range(1, settings.rounds + 1):
        for variant in variants:
            address = address_of(stacks[variant.name], variant)
            for response, path in variant.paths:
                settings.wrk(address, path, seconds=1)  # warm-up, discarded
                result = settings.wrk(address, path)
                runs.setdefault((variant.name, response), []).append(result)
                p99 = result["latency_us"]["p99"] / 1000
                progress(
                    f"round {round_number}/{settings.rounds} {variant.name:<12} {response:<4} "
                    f"{result['rps']:>9,.0f} req/s  p99 {p99:.2f} ms"
                )
    if ("stack", "tiny") in runs:
        rate = median_runs(runs[("stack", "tiny")])["rps"] / 2
        # Each connection waits connections/rate between its requests: about `rate` in all.
        delay_ms = max(1, round(settings.connections * 1000 / rate))
        address = address_of(stacks["stack"], VARIANTS[0])
        paced = settings.wrk(
            address, STACK_PATHS["tiny"], seconds=max(settings.seconds, 5), delay_ms=delay_ms
        )
        paced["target_rps"] = rate
        p99 = paced["latency_us"]["p99"] / 1000
        progress(f"paced at ~{rate:,.0f} req/s: {paced['rps']:,.0f} req/s, p99 {p99:.2f} ms")
    return runs, paced


def main():
    if not port_is_free(18080):
        sys.exit("127.0.0.1:18080 is in use: the host-network variant needs it (bench/nginx/)")
    settings, progress = Settings(), Progress()
    wanted = os.environ.get("BENCH_VARIANTS", "").split()
    variants = [v for v in VARIANTS if not wanted or v.name in wanted]
    run_id = time.strftime("%Y%m%d-%H%M%S")
    stacks = {v.name: Stack(f"wsgi-stack-bench-{v.name}-{run_id[-6:]}", v.overrides) for v in variants}
    if "host" in stacks:
        stacks["host"] = HostStack()  # not Compose: bench/host.py
    facts = {"image_mb": image_sizes(), "machine": machine_summary(), "versions": versions()}
    try:
        runs, paced = measure(variants, stacks, settings, progress, facts)
    finally:
        for stack in stacks.values():
            stack.down()
    if os.environ.get("BENCH_REBUILD", "1") == "1":
        progress("timing a rebuild after a one-line code change ...")
        facts["rebuild_after_code_change_s"] = rebuild_seconds()
    medians = {key: median_runs(value) for key, value in runs.items()}
    report(medians, {v.name: v.label for v in variants}, paced, facts, run_id, settings)
    progress("done")


def machine_summary():
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True, check=True
    )
    return f"{os.cpu_count()} CPUs, Docker Engine {docker.stdout.strip()}"


def report(medians, labels, paced, facts, run_id, settings):
    RESULTS.mkdir(exist_ok=True)
    print(
        f"\n## Results: {settings.rounds} rounds × {settings.seconds} s, wrk -t{settings.threads} "
        f"-c{settings.connections}, medians ({facts['machine']})\n"
    )
    print(markdown_table(medians, labels))
    print("\n| target | measured | met |\n|---|---:|---|")
    for text, measured, met in targets(medians, paced):
        print(f"| {text} | {measured} | {'yes' if met else 'no'} |")
    sizes = facts["image_mb"]
    print(f"\nimages: app {sizes['app']:.1f} MB (target ≤ 150), nginx {sizes['nginx']:.1f} MB (target ≤ 90)")
    if "up_to_healthy_s" in facts:
        print(f"up (images built) to healthy: {facts['up_to_healthy_s']:.1f} s (target < 5)")
    if "rebuild_after_code_change_s" in facts:
        rebuild = facts["rebuild_after_code_change_s"]
        print(f"rebuild after a one-line code change: {rebuild:.1f} s (target < 15)")
    raw = {
        "run": run_id,
        "settings": settings.__dict__,
        "facts": facts,
        "medians": [{"variant": n, "response": r, **m} for (n, r), m in medians.items()],
        "paced": paced,
    }
    (RESULTS / f"bench-{run_id}.json").write_text(json.dumps(raw, indent=2))
    plot(medians, labels, RESULTS / "bench.png")
    print(f"\nraw results: bench/results/bench-{run_id}.json, chart: bench/results/bench.png")


if __name__ == "__main__":
    main()

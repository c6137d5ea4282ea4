"""`make bench`'s report: the tables, the targets (reported, never asserted), the drift of every
ratio since the previous run, the chart, the JSON; and the facts measured outside the rounds."""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness import SUITE, SUITE_IMAGES
from variants import RESPONSES, ROOT

RESULTS = ROOT / "extras" / "bench" / "results"
# Ratios are to the machine's limit, the bare host processes; to the stack when they did not run.
BASELINES = ("host", "stack")


def baseline(medians):
    return next((name for name in BASELINES if any(n == name for n, _ in medians)), None)


def ratios(medians):
    """{(variant, response): requests/s over the baseline's for the same response}."""
    base = baseline(medians)
    result = {}
    for (name, response), m in medians.items():
        reference = medians.get((base, response))
        if reference and reference["rps"]:
            result[(name, response)] = m["rps"] / reference["rps"]
    return result


def previous_ratios(run_id):
    """The ratios of the last earlier run in extras/bench/results/, if there is one; with its id."""
    earlier = sorted(p for p in RESULTS.glob("bench-*.json") if p.stem < f"bench-{run_id}")
    if not earlier:
        return None, {}
    raw = json.loads(earlier[-1].read_text())
    medians = {(m["variant"], m["response"]): m for m in raw["medians"]}
    return raw["run"], ratios(medians)


def drift(now, before, key):
    """How far a ratio moved since the previous run, in % of its value then."""
    if key not in now or key not in before:
        return None
    return (now[key] - before[key]) / before[key] * 100


def markdown_table(medians, labels, before=None):
    base = baseline(medians)
    now, before = ratios(medians), before or {}
    lines = [
        f"| variant | response | requests/s | min-max | ratio to {base} | drift since last run "
        "| p50 ms | p99 ms | non-2xx | socket errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, m in medians.items():
        name, response = key
        moved = drift(now, before, key)
        cells = [
            labels[name],
            response,
            f"{m['rps']:,.0f}",
            f"{m['rps_min']:,.0f}-{m['rps_max']:,.0f}",
            f"{now[key]:.2f}" if key in now else "–",
            f"{moved:+.1f} %" if moved is not None else "–",
            f"{m['p50_ms']:.2f}",
            f"{m['p99_ms']:.2f}",
            str(m["non_2xx"]),
            str(m["socket_errors"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(memory, labels):
    """MiB per variant: its containers' memory and its vassal's processes' resident memory."""
    columns = [("app", "app"), ("nginx", "nginx"), ("vassal", "the vassal (master + workers)")]
    head = " | ".join(f"{title} idle | {title} under load" for _, title in columns)
    lines = [f"| variant | {head} |", "|---|" + "---:|" * (2 * len(columns))]
    for name, figures in memory.items():
        cells = []
        for key, _ in columns:
            for state in ("idle", "load"):
                value = figures.get(state, {}).get(key)
                cells.append(f"{value:.1f}" if value else "–")
        lines.append(f"| {labels[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(medians, paced, memory=None, drifts=None):
    """The targets (extras/bench/README.md), reported, never asserted: (description, measured, met)."""

    def rps(name, response):
        return medians.get((name, response), {}).get("rps")

    rows = []
    for response in ("tiny", "json"):
        if rps("host-network", response) and rps("host", response):
            value = rps("host-network", response) / rps("host", response)
            rows.append(
                (f"stack, nginx on the host network ≥ 0.9× host, {response}", f"{value:.2f}×", value >= 0.9)
            )
        if rps("stack", response) and rps("host-network", response):
            value = rps("stack", response) / rps("host-network", response)
            rows.append((f"published port's proxy: stack / host network, {response}", f"{value:.2f}×", None))
    gunicorns = {n for n, _ in medians if n.startswith("gunicorn")}
    uwsgis = {n for n, _ in medians if n in ("stack", "threads", "uwsgi-gevent")}
    for response in RESPONSES:
        best_g = max(gunicorns, key=lambda n: rps(n, response) or 0, default=None)
        if not best_g or not rps(best_g, response):
            continue
        best_u = max(uwsgis, key=lambda n: rps(n, response) or 0, default=None)
        # As shipped, and the best of uWSGI's settings (a knob away) when that is another.
        for name in dict.fromkeys(("stack", best_u)):
            if name and rps(name, response):
                value = rps(name, response) / rps(best_g, response)
                rows.append(
                    (f"{name} ≥ the best gunicorn ({best_g}), {response}", f"{value:.2f}×", value >= 1)
                )
    errors = sum(m["non_2xx"] + m["socket_errors"] for (name, _), m in medians.items() if name == "stack")
    rows.append(("0 non-2xx/socket errors at peak (stack)", str(errors), errors == 0))
    if paced:
        p99 = paced["latency_us"]["p99"] / 1000
        rows.append(
            (
                f"p99 < 5 ms at half peak ({paced['rps']:,.0f} req/s), the stack alone",
                f"{p99:.2f} ms",
                p99 < 5,
            )
        )
    idle = (memory or {}).get("stack", {}).get("idle", {}).get("app")
    if idle:
        rows.append(("app container (2 vassals) ≤ 80 MiB idle", f"{idle:.1f} MiB", idle <= 80))
    if drifts:
        worst = max(drifts, key=lambda key: abs(drifts[key]))
        rows.append(
            (
                f"every ratio within 10 % of the last run's (worst: {' '.join(worst)})",
                f"{drifts[worst]:+.1f} %",
                abs(drifts[worst]) <= 10,
            )
        )
    return rows


def plot(medians, labels, path):
    import matplotlib  # noqa: PLC0415 - only `make bench` installs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = list(dict.fromkeys(name for name, _ in medians))
    figure, axes = plt.subplots(1, 3, figsize=(16, 5))
    panels = (
        (axes[0], ("tiny", "json"), "rps", "requests/s, CPU-bound (higher is better)"),
        (axes[1], ("wait",), "rps", "requests/s, waits 20 ms (higher is better)"),
        (axes[2], RESPONSES, "p99_ms", "p99 latency, ms, log scale (lower is better)"),
    )
    for axis, responses, key, title in panels:
        width = 0.8 / len(responses)
        for index, response in enumerate(responses):
            offset = (index - (len(responses) - 1) / 2) * width
            present = [i for i, n in enumerate(names) if (n, response) in medians]
            values = [medians[(names[i], response)][key] for i in present]
            axis.bar([i + offset for i in present], values, width=width, label=response)
        axis.set_xticks(range(len(names)), [labels[n] for n in names], rotation=30, ha="right", fontsize=7)
        axis.set_title(title, fontsize=10)
        axis.legend()
    axes[2].set_yscale("log")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def image_sizes():
    prefix, tag = os.environ.get("IMAGE_PREFIX", "wsgi-stack"), SUITE_IMAGES["IMAGE_TAG"]
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


def machine_summary():
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True, check=True
    )
    return f"{os.cpu_count()} CPUs, Docker Engine {docker.stdout.strip()}"


def rebuild_seconds():
    """Time of an app image rebuild after a one-line change to the app's code, in a copy of the
    suite's checkout (which stays untouched), tagged apart and removed afterwards."""
    with tempfile.TemporaryDirectory() as copy:
        shutil.copytree(
            SUITE, copy, symlinks=True, ignore=shutil.ignore_patterns(".tools"), dirs_exist_ok=True
        )
        env = {**os.environ, "IMAGE_TAG": "bench-rebuild"}
        build = [str(ROOT / "scripts" / "compose"), "--project-directory", copy, "build", "--quiet", "app"]
        subprocess.run(build, env=env, check=True, capture_output=True)  # same content: all cached
        with Path(copy, "app", "api", "__init__.py").open("a") as code:
            # A line no earlier run added: BuildKit would take the same change from its cache.
            code.write(f"# a one-line change, {time.time_ns()}\n")
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


def write(medians, labels, paced, memory, facts, run_id, settings):
    RESULTS.mkdir(exist_ok=True)
    before_id, before = previous_ratios(run_id)
    now = ratios(medians)
    drifts = {key: d for key in now if (d := drift(now, before, key)) is not None}
    print(
        f"\n## Results: {settings['rounds']} rounds × {settings['seconds']} s, wrk -t{settings['threads']} "
        f"-c{settings['connections']}, medians ({facts['machine']})\n"
    )
    print(markdown_table(medians, labels, before))
    if before_id:
        print(f"\n(drift: each ratio against the same ratio of run {before_id})")
    print("\n### Memory, MiB (idle: after start; under load: the most seen halfway through a run)\n")
    print(memory_table(memory, labels))
    print("\n| target | measured | met |\n|---|---:|---|")
    for text, measured, met in targets(medians, paced, memory, drifts):
        print(f"| {text} | {measured} | {'–' if met is None else 'yes' if met else 'no'} |")
    sizes = facts["image_mb"]
    print(f"\nimages: app {sizes['app']:.1f} MB (target ≤ 150), nginx {sizes['nginx']:.1f} MB (target ≤ 90)")
    if "up_to_healthy_s" in facts:
        print(f"up (images built) to healthy: {facts['up_to_healthy_s']:.1f} s (target < 5)")
    if "rebuild_after_code_change_s" in facts:
        rebuild = facts["rebuild_after_code_change_s"]
        print(f"rebuild after a one-line code change: {rebuild:.1f} s (target < 15)")
    raw = {
        "run": run_id,
        "settings": settings,
        "facts": facts,
        "medians": [{"variant": n, "response": r, **m} for (n, r), m in medians.items()],
        "memory_mib": memory,
        "paced": paced,
    }
    (RESULTS / f"bench-{run_id}.json").write_text(json.dumps(raw, indent=2))
    plot(medians, labels, RESULTS / "bench.png")
    print(f"\nraw results: extras/bench/results/bench-{run_id}.json, chart: extras/bench/results/bench.png")

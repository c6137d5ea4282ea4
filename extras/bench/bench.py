"""`make bench`: the stack against the machine's limit and its alternatives, on this machine.

Every variant (variants.py) serves the same API code with the same two workers. All are started
first, then paused; in each round every variant in turn is resumed, driven by wrk (on the host,
against 127.0.0.1 only) for BENCH_SECONDS per response after a 1 s warm-up, weighed while under
load, and paused again, so the one measured never shares the CPU with the others. Rounds start at
a different variant each time; medians and the min-max spread are reported. Then the stack alone,
paced at half its peak. Results: markdown on stdout, JSON and a PNG chart under extras/bench/results/.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import host  # noqa: E402
import report  # noqa: E402
from variants import ROOT, paths, variant_stacks, wanted_variants  # noqa: E402

REPORT_LUA = ROOT / "extras" / "bench" / "wrk" / "report.lua"
# The shipped stack's paths to the api vassal, as the variants name them.
STACK_PATHS = dict(paths("/apps/api"))


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


def median_runs(runs):
    """Medians (and the spread of requests/s) over the rounds of one variant and response."""
    rates = [r["rps"] for r in runs]
    return {
        "rps": statistics.median(rates),
        "rps_min": min(rates),
        "rps_max": max(rates),
        "p50_ms": statistics.median(r["latency_us"]["p50"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["latency_us"]["p99"] for r in runs) / 1000,
        "non_2xx": sum(r["non_2xx_3xx"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "rounds": len(runs),
    }


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


def quiet(stack, variant):
    """Return once the variant has no request left in flight, so that it can be paused. A worker
    paused mid-request is killed when it resumes: its harakiri deadline (20 s) passed while it was
    frozen (seen: HARAKIRI on both workers, 320 ms without an answer, right after a round's resume).
    wrk has exited: one more request on the tiny path, answered after those queued before it (a
    listen queue is served in order), and the tiny ones in flight beside it take microseconds."""
    host, port = stack.address
    with urllib.request.urlopen(f"http://{host}:{port}{dict(variant.paths)['tiny']}", timeout=30) as answer:
        answer.read()


def weighed_while(stack, settings, path):
    """One measured run of wrk on `path`; halfway through it, `stack` is weighed (memory under
    load). Returns wrk's summary and the weights."""
    weights = {}
    timer = threading.Timer(settings.seconds / 2, lambda: weights.update(stack.memory()))
    timer.start()
    try:
        return settings.wrk(stack.address, path), weights
    finally:
        timer.join()


def most(samples):
    """The largest figure of each key over several memory samples."""
    return {key: max(sample.get(key, 0) for sample in samples) for key in {k for s in samples for k in s}}


def measure(variants, stacks, settings, progress, facts):
    """Start every variant and pause it, then the rounds and the paced run. Returns the runs, the
    paced run and the memory figures ({variant: {"idle": {...}, "load": {...}}})."""
    runs, memory, load_samples = {}, {}, {}
    for variant in variants:
        progress(f"starting {variant.name} ...")
        up_started = time.monotonic()
        stacks[variant.name].up()
        if variant.name == "stack":
            facts["up_to_healthy_s"] = time.monotonic() - up_started
        memory[variant.name] = {"idle": stacks[variant.name].memory()}
        stacks[variant.name].pause()
    for round_number in range(settings.rounds):
        # Each round starts one variant further on: none is always measured first or last.
        shift = round_number % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            stack = stacks[variant.name]
            stack.resume()
            try:
                # The tiny response last, then quiet(): see there.
                for response, path in reversed(variant.paths):
                    settings.wrk(stack.address, path, seconds=1)  # warm-up, discarded
                    result, weights = weighed_while(stack, settings, path)
                    runs.setdefault((variant.name, response), []).append(result)
                    load_samples.setdefault(variant.name, []).append(weights)
                    progress(
                        f"round {round_number + 1}/{settings.rounds} {variant.name:<16} {response:<4} "
                        f"{result['rps']:>9,.0f} req/s  p99 {result['latency_us']['p99'] / 1000:.2f} ms"
                    )
                quiet(stack, variant)
            finally:
                stack.pause()
    for name, samples in load_samples.items():
        memory[name]["load"] = most(samples)
    paced = paced_run(stacks, runs, settings, progress)
    return runs, paced, memory


def paced_run(stacks, runs, settings, progress):
    """The stack alone (every other variant paused) at half its median peak, tiny response."""
    if ("stack", "tiny") not in runs:
        return None
    rate = median_runs(runs[("stack", "tiny")])["rps"] / 2
    # Each connection waits connections/rate between its requests: about `rate` in all.
    delay_ms = max(1, round(settings.connections * 1000 / rate))
    stack = stacks["stack"]
    stack.resume()
    try:
        settings.wrk(stack.address, STACK_PATHS["tiny"], seconds=1)  # warm-up, discarded
        paced = settings.wrk(
            stack.address, STACK_PATHS["tiny"], seconds=max(settings.seconds, 5), delay_ms=delay_ms
        )
    finally:
        stack.pause()
    paced["target_rps"] = rate
    p99 = paced["latency_us"]["p99"] / 1000
    progress(f"paced at ~{rate:,.0f} req/s: {paced['rps']:,.0f} req/s, p99 {p99:.2f} ms")
    return paced


def main():
    variants = wanted_variants()
    busy = [v.port[1] for v in variants if v.port[0] == "host" and not port_is_free(v.port[1])]
    if busy:
        sys.exit(f"127.0.0.1:{busy[0]} is in use: a variant on the host needs it (extras/bench/variants.py)")
    settings, progress = Settings(), Progress()
    run_id = time.strftime("%Y%m%d-%H%M%S")
    stacks = variant_stacks(variants, run_id[-6:])
    facts = {"image_mb": report.image_sizes(), "machine": report.machine_summary()}
    if "host" in stacks:
        facts["versions"] = host.versions()  # the host variant runs other versions than the images
    try:
        runs, paced, memory = measure(variants, stacks, settings, progress, facts)
    finally:
        for stack in stacks.values():
            stack.down()
    if os.environ.get("BENCH_REBUILD", "1") == "1":
        progress("timing a rebuild after a one-line code change ...")
        facts["rebuild_after_code_change_s"] = report.rebuild_seconds()
    # In the variants' order, each one's responses in theirs (they ran in the reverse).
    order = [(v.name, response) for v in variants for response, _ in v.paths]
    medians = {key: median_runs(runs[key]) for key in order if key in runs}
    labels = {v.name: v.label for v in variants}
    report.write(medians, labels, paced, memory, facts, run_id, settings.__dict__)
    progress("done")


if __name__ == "__main__":
    main()

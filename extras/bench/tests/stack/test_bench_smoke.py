"""`make bench` cannot rot: its wrk driver, pausing, weighing and report run for a second against
the test stack."""

import sys

from harness import ROOT

sys.path.insert(0, str(ROOT / "extras" / "bench"))
import bench  # noqa: E402
import report  # noqa: E402
from variants import ComposeVariant, Variant  # noqa: E402


def test_bench_harness_measures_the_stack_and_reports(stack):
    run = bench.wrk(stack.address, bench.STACK_PATHS["tiny"], seconds=1, connections=4, threads=1)
    assert run["requests"] > 0
    assert run["rps"] > 0
    assert run["non_2xx_3xx"] == 0
    assert run["socket_errors"] == 0
    assert 0 < run["latency_us"]["p50"] <= run["latency_us"]["p99"]

    medians = {("stack", "tiny"): bench.median_runs([run, run])}
    assert medians[("stack", "tiny")]["rps_min"] == medians[("stack", "tiny")]["rps_max"] == run["rps"]
    table = report.markdown_table(medians, {"stack": "the stack"}, before={("stack", "tiny"): 0.5})
    assert "| the stack | tiny |" in table
    # The ratio to itself, and its drift from a previous ratio of 0.5: +100 %.
    assert "| 1.00 | +100.0 % |" in table
    described = [text for text, _, _ in report.targets(medians, None)]
    assert "0 non-2xx/socket errors at peak (stack)" in described


def test_bench_pauses_and_weighs_a_stack(stack):
    """The bench's hold on a variant, applied to the test stack: paused, it answers nothing; resumed,
    it serves again; its containers and its api vassal are weighed."""
    variant = ComposeVariant(Variant("stack", "the stack"), run_id="smoke")
    variant.stack = stack
    weights = variant.memory()
    assert weights["app"] > 20
    assert weights["nginx"] > 1
    variant.pause()
    try:
        assert {c.status for c in variant.containers()} == {"paused"}
    finally:
        variant.resume()
    assert {c.status for c in variant.containers()} == {"running"}
    run = bench.wrk(stack.address, bench.STACK_PATHS["tiny"], seconds=1, connections=2, threads=1)
    assert run["requests"] > 0 and run["non_2xx_3xx"] == 0

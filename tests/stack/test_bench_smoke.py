"""`make bench` cannot rot: its wrk driver and report run for a second against the test stack."""

import sys

from harness import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench  # noqa: E402


def test_bench_harness_measures_the_stack_and_reports(stack):
    run = bench.wrk(stack.address, bench.STACK_PATHS["tiny"], seconds=1, connections=4, threads=1)
    assert run["requests"] > 0
    assert run["rps"] > 0
    assert run["non_2xx_3xx"] == 0
    assert run["socket_errors"] == 0
    assert 0 < run["latency_us"]["p50"] <= run["latency_us"]["p99"]

    medians = {("stack", "tiny"): bench.median_runs([run])}
    table = bench.markdown_table(medians, {"stack": "the stack"})
    assert "| the stack | tiny |" in table
    assert "| 1.00 |" in table
    described = [text for text, _, _ in bench.targets(medians, None)]
    assert "0 non-2xx/socket errors at peak (stack)" in described

"""Under load: stuck workers, broken vassals, slow clients and bursts."""

import http.client
import socket
import threading
import time

import pytest
from harness import WORKERS, wait_until
from load import Load, LoadResult, Outcome
from stack_fixtures import BROKEN_VASSAL

pytestmark = pytest.mark.slow


def test_request_past_harakiri_fails_alone_and_its_worker_is_respawned(stack, http, lab, fault_report):
    # The lab vassal's harakiri is 8 s: a 20 s request is killed there; nginx answers 502.
    before = stack.vassal_processes("lab")["workers"]
    with Load(stack.address, [lab, "/apps/api/", "/"], clients=8, max_seconds=60) as load:
        load.wait_for(200)
        started = time.monotonic()
        stuck = http.get(f"{lab}sleep?s=20", timeout=25)
        stuck_for = time.monotonic() - started
        wait_until(
            lambda: (w := stack.vassal_processes("lab")["workers"]) and len(w) == WORKERS and w != before,
            10,
            "the killed worker to be respawned",
        )
        load.wait_for(len(load.result.outcomes) + 200)
    fault_report(
        "request past harakiri (8 s)",
        load.result,
        note=f"stuck request: {stuck.status_code} after {stuck_for:.1f} s",
    )
    assert stuck.status_code in (502, 504)
    # harakiri is checked once a second.
    assert 7 <= stuck_for < 15
    assert load.result.failures == []
    assert "HARAKIRI" in stack.container("app").logs().decode()


def test_a_crash_looping_vassal_is_reported_broken_while_others_serve(stack, http, fault_report):
    with Load(stack.address, ["/apps/api/", "/"], clients=8, max_seconds=90) as load:
        load.wait_for(200)
        stack.put_file("app", "/run/vassals/broken.ini", BROKEN_VASSAL)
        try:
            wait_until(
                lambda: "broken: vassal 'broken'" in stack.health("app")["Log"][-1]["Output"],
                60,
                "the health check to name the broken vassal",
                0.5,
            )
            load.wait_for(len(load.result.outcomes) + 200)
        finally:
            stack.exec("app", "rm", "-f", "/run/vassals/broken.ini")
    fault_report("a vassal crash-looping (bad import)", load.result)
    assert load.result.failures == []
    # The emperor notices the removal at its next poll (3 s); meanwhile a respawn may hold a pidfile.
    http.wait_for_status("/apps/broken/", 404, timeout=30)


def _slow_client(address, opened, closed_after, hold_seconds):
    """Send a request's headers a line a second, never finishing; note when nginx hangs up."""
    started = time.monotonic()
    try:
        with socket.create_connection(address, timeout=hold_seconds) as connection:
            opened.append(1)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            while time.monotonic() - started < hold_seconds:
                time.sleep(1)
                connection.sendall(b"X-Slow: 1\r\n")
                connection.settimeout(0.01)
                try:
                    if connection.recv(1024) == b"":
                        break
                except TimeoutError:
                    pass
                connection.settimeout(hold_seconds)
    except OSError:
        pass
    closed_after.append(time.monotonic() - started)


def test_slow_clients_do_not_starve_the_others(stack, fault_report):
    with Load(stack.address, ["/apps/api/"], clients=4, max_seconds=20) as baseline:
        baseline.wait_for(1000)
    normal_p99 = baseline.result.latency_quantile(0.99)

    opened, closed_after, hold = [], [], 20
    slow = [
        threading.Thread(target=_slow_client, args=(stack.address, opened, closed_after, hold), daemon=True)
        for _ in range(200)
    ]
    for thread in slow:
        thread.start()
    wait_until(lambda: len(opened) == 200, 10, "200 slow connections to be open")
    with Load(stack.address, ["/apps/api/"], clients=4, max_seconds=20) as load:
        load.wait_for(1000)
    # Still within the slow clients' 20 s: the load above ran while all 200 were connected.
    assert len(closed_after) == 0, "a slow client was dropped before the load ended"
    for thread in slow:
        thread.join(hold + 5)
    p99 = load.result.latency_quantile(0.99)
    fault_report(
        "200 slow clients (slowloris)",
        load.result,
        note=f"p99 {p99 * 1000:.1f} ms (without them {normal_p99 * 1000:.1f} ms); "
        f"nginx closed them after {min(closed_after):.1f}-{max(closed_after):.1f} s",
    )
    assert load.result.failures == []
    assert p99 <= max(5 * normal_p99, 0.05)
    # nginx hangs up on them at client_header_timeout (10 s), not when they give up (20 s).
    assert len(closed_after) == 200
    assert max(closed_after) < 14, f"slowest hang-up after {max(closed_after):.1f} s"


def test_burst_of_300_connections_gets_no_502(stack, fault_report):
    barrier = threading.Barrier(300, timeout=30)
    result = LoadResult()

    def one_request():
        connection = http.client.HTTPConnection(*stack.address, timeout=30)
        status = error = None
        try:
            barrier.wait()
            started = time.monotonic()
            connection.request("GET", "/apps/api/")
            status = connection.getresponse().status
            error = None if status == 200 else f"status {status}"
        except OSError as exception:
            error = type(exception).__name__
        finally:
            connection.close()
        result.outcomes.append(Outcome(started, time.monotonic(), "/apps/api/", status, error))

    threads = [threading.Thread(target=one_request, daemon=True) for _ in range(300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(40)
    fault_report(
        "burst of 300 concurrent connections", result, note=f"p99 {result.latency_quantile(0.99):.2f} s"
    )
    assert result.sent == 300
    assert result.failures == []

"""nginx retries, once, a GET or HEAD that its vassal dropped within a second (nginx.conf:
$retry_dropped), the uWSGI reload race; never a POST, never a slow failure (see harakiri)."""

import threading
import time
import uuid

import pytest
from harness import WORKERS, wait_until


def _settled(stack):
    workers = stack.vassal_stats("lab")["workers"]
    alive = stack.vassal_processes("lab")["workers"]
    return len(workers) == WORKERS and all(w["status"] == "idle" and w["pid"] in alive for w in workers)


def _drop_in_flight(stack, http, lab, method):
    """Send `method` to a 2 s request of the lab vassal, SIGKILL the worker handling it at once;
    return the response and how long it took."""
    answer, token = {}, uuid.uuid4().hex
    # From a settled vassal: the kill of the test before may still be in uWSGI's respawn throttle
    # ("worker respawning too fast", 2 s), in which a request was seen to end 200 after the kill.
    wait_until(lambda: _settled(stack), 15, "the lab vassal's workers to be up and idle", 0.2)

    def request():
        started = time.monotonic()
        answer["response"] = http.request(method, f"{lab}sleep?s=2&token={token}", timeout=30)
        answer["seconds"] = time.monotonic() - started

    client = threading.Thread(target=request)
    client.start()
    (busy,) = wait_until(lambda: stack.busy_workers("lab", token), 5, "the request to reach a worker", 0.05)
    stack.kill(busy)
    client.join(30)
    return answer["response"], answer["seconds"]


def test_a_get_dropped_by_its_worker_is_retried_once(stack, http, lab):
    response, seconds = _drop_in_flight(stack, http, lab, "GET")
    assert response.status_code == 200
    # The first try died under a second in, the second ran its full 2 s.
    assert 2 <= seconds < 4


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_dropped_are_not_retried(stack, http, lab, method):
    response, seconds = _drop_in_flight(stack, http, lab, method)
    assert response.status_code == 502
    assert seconds < 2

"""A bounded load driver: N client threads send GETs to the stack's published loopback port until
stopped, for at most `max_seconds` and `max_requests`, and record every request's outcome."""

import contextlib
import dataclasses
import http.client
import itertools
import statistics
import threading
import time
from dataclasses import dataclass, field

from harness import wait_until

FAILURE_PAUSE_S = 0.01


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic()
    finished: float
    path: str
    status: int | None  # None: no HTTP answer at all
    error: str | None  # e.g. "ConnectionResetError", "status 502"

    @property
    def ok(self):
        return self.error is None

    @property
    def latency(self):
        return self.finished - self.started


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def sent(self):
        return len(self.outcomes)

    @property
    def failures(self):
        return [o for o in self.outcomes if not o.ok]

    def failure_kinds(self):
        kinds = {}
        for outcome in self.failures:
            kinds[outcome.error] = kinds.get(outcome.error, 0) + 1
        return kinds

    def recovery_after(self, fault_at):
        """Seconds from `fault_at` to the first good answer to a request that started after the last
        failure (0 if nothing failed after the fault); None if it never recovered."""
        failed = [o.started for o in self.failures if o.finished >= fault_at]
        if not failed:
            return 0.0
        last_failure = max(failed)
        good = [o.finished for o in self.outcomes if o.ok and o.started > last_failure]
        return min(good) - fault_at if good else None

    def latency_quantile(self, q):
        """Latency quantile `q` (0.01-0.99) of the requests that succeeded."""
        latencies = sorted(o.latency for o in self.outcomes if o.ok)
        if not latencies:
            return None
        return statistics.quantiles(latencies, n=100, method="inclusive")[int(q * 100) - 1]

    def summary(self):
        return f"{len(self.failures)} / {self.sent} failed {self.failure_kinds() or ''}".strip()


class Load:
    """Run as a context manager: load starts on entry and stops on exit (or at its bounds).

    with Load(("127.0.0.1", port), ["/"], clients=16) as load:
        ...inject a fault...
    load.result.failures
    """

    def __init__(self, address, paths, *, clients=16, max_seconds=60, max_requests=100_000, timeout=15):
        self.address, self.paths, self.clients = address, list(paths), clients
        self.max_seconds, self.max_requests, self.timeout = max_seconds, max_requests, timeout
        self.result = LoadResult()
        self._stop = threading.Event()
        self._budget = itertools.count()
        self._lock = threading.Lock()
        self._threads = []
        self._current_address = None

    def __enter__(self):
        self._deadline = time.monotonic() + self.max_seconds
        self._threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        self.result.outcomes.sort(key=lambda o: o.started)

    def wait_for(self, count, timeout=30):
        """Block until `count` requests have finished (the load is warmed up)."""
        wait_until(lambda: len(self.result.outcomes) >= count, timeout, f"{count} requests of load", 0.05)

    def _address(self, refresh):
        if not callable(self.address):
            return self.address
        with self._lock:
            if refresh or self._current_address is None:
                # The container may be gone for a moment: keep the address it had.
                with contextlib.suppress(Exception):
                    self._current_address = self.address()
            return self._current_address or ("127.0.0.1", 9)

    def _running(self):
        return (
            not self._stop.is_set()
            and time.monotonic() < self._deadline
            and next(self._budget) < self.max_requests
        )

    def _client(self, index):
        connection, reconnect = None, False
        paths = itertools.cycle(self.paths[index % len(self.paths) :] + self.paths[: index % len(self.paths)])
        while self._running():
            path = next(paths)
            if connection is None:
                connection = http.client.HTTPConnection(
                    *self._address(refresh=reconnect), timeout=self.timeout
                )
                reconnect = False
            started = time.monotonic()
            status = error = None
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
                if status >= 500:
                    error = f"status {status}"
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exception:
                error = type(exception).__name__
                connection.close()
                connection, reconnect = None, True
            with self._lock:
                self.result.outcomes.append(Outcome(started, time.monotonic(), path, status, error))
            if error:
                # As a real client would, pause before trying again: while the stack is down, fast
                # failures would otherwise spend the request budget in seconds.
                self._stop.wait(FAILURE_PAUSE_S)
        if connection is not None:
            connection.close()


def not_200_is_a_failure(result):
    """The load driver counts 5xx and dropped connections; nginx answers 404 for an app whose
    pidfile is gone (a stopped emperor's, a stopping container's) when the serving slot does not
    mark it as its own, which is a failed request too."""
    return LoadResult(
        [
            o if o.status == 200 else dataclasses.replace(o, error=o.error or f"status {o.status}")
            for o in result.outcomes
        ]
    )

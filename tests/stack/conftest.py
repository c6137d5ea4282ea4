"""The real stack, once per test session, under a unique Compose project name.

Compose brings it up (images built as needed) with nginx on an ephemeral 127.0.0.1 port; the Docker
SDK finds its containers by label. A failing test's report gets `ps -a` and every container's logs;
`down -v` always runs (unless --keep-stack), also when start-up failed, and must leave nothing behind.
"""

import uuid

import pytest
import requests
from harness import Stack, wait_until

_stacks = []


def pytest_collection_modifyitems(items):
    for item in items:
        if "/stack/" in str(item.path):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack(request):
    stack = Stack(f"wsgi-stack-test-{uuid.uuid4().hex[:8]}")
    _stacks.append(stack)
    keep = request.config.getoption("--keep-stack")
    try:
        stack.up()
        yield stack
    finally:
        if keep:
            print(f"\n--keep-stack: the stack is still up as Compose project {stack.project}")
        else:
            stack.down()
            leftovers = stack.leftovers()
            assert not leftovers, f"down left these behind: {leftovers}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and _stacks:
        report.sections.append(("stack: ps and logs", _stacks[-1].diagnostics()))
    return report


@pytest.fixture
def http(stack):
    """GET/POST through nginx on its published loopback port: path in, requests.Response out."""

    class Client:
        def get(self, path, **kwargs):
            return requests.get(stack.base_url + path, timeout=10, allow_redirects=False, **kwargs)

        def post(self, path, **kwargs):
            return requests.post(stack.base_url + path, timeout=10, allow_redirects=False, **kwargs)

        def wait_for_status(self, path, status, timeout=30):
            """Poll until `path` answers `status`; return that response."""
            # A list, so that a 4xx/5xx response (falsy in requests) still ends the wait.
            (response,) = wait_until(
                lambda: (r := self.get(path)).status_code == status and [r],
                timeout,
                f"{path} to answer {status}",
            )
            return response

    return Client()

"""The bench's host variant (extras/bench/host.py) serves the api vassal through nginx and leaves nothing
behind. Root only (unshare, mount); the first run installs nginx (apt) and the venv (PyPI, ~30 s),
later ones start in about a second."""

import os
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "extras" / "bench"))
import host  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.network,
    pytest.mark.skipif(os.geteuid() != 0, reason="the host variant runs as root (unshare, mount)"),
]


def test_host_variant_serves_through_nginx_and_leaves_nothing():
    stack = host.HostStack()
    try:
        stack.up()
        base = f"http://{stack.address[0]}:{stack.address[1]}"
        for path, body in (("/apps/api/ping", b"pong\n"), ("/apps/api/items", b'{"items": [')):
            with urllib.request.urlopen(base + path, timeout=5) as response:
                assert response.status == 200
                assert response.read().startswith(body)
        roles = [role for _, role in stack.processes()]
        # nginx: worker_processes auto, one per core; the vassal: UWSGI_PROCESSES=2.
        assert roles.count("nginx master") == roles.count("uwsgi master") == 1
        assert roles.count("nginx worker") == os.cpu_count()
        assert roles.count("uwsgi worker") == 2
        group, stage, made = stack.process.pid, stack.stage, list(stack.made)
    finally:
        stack.down()
    assert host._process_group(group) == []
    assert not stage.exists()
    assert all(not path.exists() for path in made)  # the empty mount points it had to make

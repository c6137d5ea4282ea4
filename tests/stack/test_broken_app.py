"""One broken app never takes the others down (docs/apps.md, "A broken app"). A copy of the repo
ships an app that cannot be imported and one that answers 500; `make up` starts the stack anyway:
nginx runs, the other apps serve, the app that is not running answers 503 naming itself, and
`make up` exits non-zero naming both, with the last lines uWSGI logged for the first. (`make
deploy` refuses an image with a broken app: test_deploy.py.)"""

import pytest
import requests
from copies import copy_stack, new_app, repo_copy

FAILS = '''"""Answers 500 to everything."""


def app(environ, start_response):
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"always failing\\n"]
'''


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """(the copy's Stack, the finished `make up`)."""
    root = repo_copy(tmp_path_factory)
    new_app(root, "noimport")
    (root / "app" / "noimport" / "__init__.py").write_text("import no_such_module_here\n")
    new_app(root, "fails")
    (root / "app" / "fails" / "__init__.py").write_text(FAILS)
    with copy_stack(root, "broken", up=False) as stack:
        yield stack, stack.run("make", "--no-print-directory", "up", timeout=600)


def _get(stack, path):
    return requests.get(stack.base_url + path, timeout=10)


def test_make_up_fails_naming_each_broken_app_and_its_log(broken):
    _, up = broken
    print(up.stderr)
    assert up.returncode != 0
    assert "broken: vassal 'noimport': " in up.stderr
    assert "broken: vassal 'fails': " in up.stderr and "500 Internal Server Error" in up.stderr
    assert "--- the last lines uWSGI logged for noimport:" in up.stderr
    assert "[noimport] ModuleNotFoundError: No module named 'no_such_module_here'" in up.stderr


def test_nginx_runs_and_the_other_apps_serve(broken):
    stack, _ = broken
    assert stack.health("nginx")["Status"] == "healthy"
    assert stack.health("app")["Status"] == "healthy"
    assert "degraded" in stack.health("app")["Log"][-1]["Output"]
    assert _get(stack, "/").status_code == 200
    assert _get(stack, "/apps/api/").status_code == 200


def test_an_app_that_is_not_running_answers_503_naming_itself(broken):
    stack, _ = broken
    response = _get(stack, "/apps/noimport/")
    assert response.status_code == 503
    assert response.text == "noimport is not running: the app container's log says why\n"
    assert response.headers["Content-Type"].startswith("text/plain")
    # The one that runs answers what it answers; an app the container does not have is unknown.
    assert _get(stack, "/apps/fails/").status_code == 500
    assert _get(stack, "/apps/no-such-app/").status_code == 404

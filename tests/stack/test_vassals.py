"""The emperor's vassal directory drives what is served, through nginx, live."""

import http.client

import pytest
from harness import wait_until
from stack_fixtures import BROKEN_VASSAL, EXTRA_VASSAL


def test_added_vassal_serves_through_nginx_and_removed_one_is_404(stack, http):
    assert http.get("/apps/hello/").status_code == 404
    stack.put_file("app", "/run/vassals/hello.ini", EXTRA_VASSAL)
    try:
        response = http.wait_for_status("/apps/hello/", 200)
        assert response.headers["X-Vassal"].startswith("hello/")
        assert response.json()["mounted_at"] == "/apps/hello/"
        assert stack.exec("app", "stat", "-c", "%a", "/run/uwsgi/current/hello.sock").strip() == "660"
    finally:
        stack.exec("app", "rm", "-f", "/run/vassals/hello.ini")
    http.wait_for_status("/apps/hello/", 404)
    slot = stack.exec("app", "ls", "/run/uwsgi/current/").split()
    assert not [name for name in slot if name.startswith("hello.")]


def test_unknown_app_name_is_404(http):
    response = http.get("/apps/no-such-app/")
    assert response.status_code == 404
    assert "X-Vassal" not in response.headers


@pytest.mark.parametrize(
    "path",
    [
        "/apps/..%2F..%2Fetc%2Fpasswd/",
        "/apps/%2e%2e/%2e%2e/run/uwsgi/main/",
        "/apps/api%2F..%2F..%2Fvassals%2Fmain/",
        "/apps/main.sock/",
        "/apps/.hidden/",
        "/apps/API/",
        "/apps/a%00b/",
        "/apps/..;/",
    ],
)
def test_app_names_cannot_reach_outside_the_socket_directory(stack, path):
    # Raw request line: an HTTP library would normalise the dots before sending.
    connection = http.client.HTTPConnection(*stack.address, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    connection.close()
    assert response.status in (400, 404), (path, response.status)
    # Any 404 from an app is the main app's catch-all, never another vassal's socket.
    vassal = response.getheader("X-Vassal") or "none"
    assert vassal == "none" or vassal.startswith("main/"), (path, vassal)


def test_touching_a_vassal_file_reloads_it(stack, http):
    before = stack.vassal_processes("api")["workers"]
    # The file is older than a second (the emperor compares mtimes at 1-second resolution).
    stack.exec("app", "touch", "/run/vassals/api.ini")
    after = stack.wait_for_workers("api", before, 30, "the api vassal's workers to be replaced")
    response = http.wait_for_status("/apps/api/", 200)
    assert int(response.headers["X-Vassal"].split("/")[1]) in after


def test_a_vassal_that_cannot_import_its_app_is_broken_and_the_others_serve(stack, http):
    stack.put_file("app", "/run/vassals/broken.ini", BROKEN_VASSAL)
    try:
        # nginx names it, once a health check marked it as this container's (uwsgi/healthcheck.py).
        response = http.wait_for_status("/apps/broken/", 503)
        assert response.text == "broken is not running: the app container's log says why\n"
        # The container stays healthy, "degraded", its check naming the broken app.
        wait_until(
            lambda: "broken: vassal 'broken'" in stack.health("app")["Log"][-1]["Output"],
            30,
            "the health check to name the broken vassal",
            1,
        )
        assert stack.health("app")["Status"] == "healthy"
        code, output = stack.try_exec("app", "uwsgi-healthcheck", "--all")
        assert code == 1
        assert "broken: vassal 'broken'" in output
        # uWSGI's lines for it carry its name.
        assert "[broken] " in stack.container("app").logs().decode()
        assert http.get("/").status_code == 200
        assert http.get("/apps/api/").status_code == 200
    finally:
        stack.exec("app", "rm", "-f", "/run/vassals/broken.ini")
    http.wait_for_status("/apps/broken/", 404, timeout=30)

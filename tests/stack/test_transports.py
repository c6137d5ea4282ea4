"""UWSGI_TRANSPORT: the same URLs, apps and answers whichever way nginx reaches the vassals. unix is
the session stack; tcp and http get a stack each, for this smoke test only (the fault suite runs on
unix, the default)."""

import pytest
from harness import HttpClient
from stack_fixtures import EXTRA_VASSAL, second_stack

# Sends `GET /` to a vassal's unix socket as HTTP and prints the first line of the answer.
HTTP_ON_THE_SOCKET = """
import socket, sys
with socket.socket(socket.AF_UNIX) as sock:
    sock.connect(sys.argv[1])
    sock.sendall(b"GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n")
    print(sock.makefile("rb").readline().decode().strip())
"""


@pytest.fixture(scope="module", params=["unix", "tcp", "http"])
def transport(request, stack):
    """(the transport, its stack, an HttpClient for it)."""
    if request.param == "unix":
        yield request.param, stack, HttpClient(stack)
        return
    with second_stack(request.param, env={"UWSGI_TRANSPORT": request.param}) as other:
        yield request.param, other, HttpClient(other)


def test_the_shipped_apps_and_static_files_are_served(transport):
    _, _, http = transport
    main = http.get("/")
    assert main.status_code == 200
    assert main.headers["X-Vassal"].startswith("main/")
    api = http.get("/apps/api/")
    assert api.status_code == 200
    assert api.json()["mounted_at"] == "/apps/api/"
    assert http.get("/apps/api/ping").text == "pong\n"
    assert http.get("/apps/api").headers["Location"] == "/apps/api/"
    assert http.get("/static/style.css").status_code == 200


def test_the_app_sees_the_same_request_in_every_transport(transport):
    _, stack, http = transport
    host, port = stack.address
    client = stack.network()["Gateway"]
    # Forwarding headers a client sends itself, and the http transport's own, are not believed.
    forged = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Uwsgi-Script-Name": "/forged",
        "X-Uwsgi-Server-Port": "1",
    }
    body = http.get("/whoami", headers=forged).json()
    assert body["url"] == f"http://{host}:{port}/whoami"
    assert body["server"] == [host, str(port)]
    assert body["scheme"] == "http"
    assert body["remote_addr"] == client
    assert body["forwarded"]["X-Forwarded-For"] == client
    assert http.get("/apps/api/", headers=forged).json()["mounted_at"] == "/apps/api/"


def test_a_vassal_added_at_runtime_is_served_and_unknown_apps_are_404(transport):
    _, stack, http = transport
    assert http.get("/apps/no-such-app/").status_code == 404
    stack.put_file("app", "/run/vassals/hello.ini", EXTRA_VASSAL)
    try:
        response = http.wait_for_status("/apps/hello/", 200)
        assert response.json()["mounted_at"] == "/apps/hello/"
    finally:
        stack.exec("app", "rm", "-f", "/run/vassals/hello.ini")
    http.wait_for_status("/apps/hello/", 404)


def test_the_vassals_speak_the_transports_protocol_and_the_health_check_uses_it(transport):
    name, stack, _ = transport
    answer = stack.exec("app", "python3", "-c", HTTP_ON_THE_SOCKET, "/run/uwsgi/current/api.sock").strip()
    # An HTTP request to a uwsgi-protocol socket gets no HTTP answer.
    assert answer.startswith("HTTP/1.0 200") == (name == "http"), answer
    # tcp: the router listens on 3031 (0BD7 in /proc/net/tcp, state 0A: LISTEN); not otherwise.
    listening = stack.exec("app", "cat", "/proc/net/tcp")
    assert (":0BD7 00000000:0000 0A" in listening) == (name == "tcp")
    health = stack.exec("app", "uwsgi-healthcheck").strip()
    assert health.startswith("healthy: ") and {"api", "main"} <= set(health[9:].split(", ")), health

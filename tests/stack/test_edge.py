"""What the app sees at the edge, with the shipped knobs: the Host and port the client used, only the
hosts in SERVER_NAMES, no forwarding header believed from a client, one request id everywhere."""

import re
import socket

import pytest
from harness import wait_until

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def _raw(stack, request_bytes):
    """Send bytes as they are; return nginx's whole answer (it closes: HTTP/1.0 or Connection: close)."""
    with socket.create_connection(stack.address, timeout=10) as connection:
        connection.sendall(request_bytes)
        return b"".join(iter(lambda: connection.recv(65536), b"")).decode(errors="replace")


def test_app_builds_absolute_urls_with_the_host_and_port_the_client_used(stack, http):
    host, port = stack.address
    body = http.get("/whoami").json()
    assert body["url"] == f"http://{host}:{port}/whoami"
    assert body["host"] == f"{host}:{port}"
    assert body["server"] == [host, str(port)]
    assert body["scheme"] == "http"


def test_localhost_is_an_allowed_host_too(stack, http):
    port = stack.address[1]
    response = http.get("/whoami", headers={"Host": f"localhost:{port}"})
    assert response.status_code == 200
    assert response.json()["url"] == f"http://localhost:{port}/whoami"


def test_without_a_port_in_host_the_app_sees_the_scheme_default(http):
    body = http.get("/whoami", headers={"Host": "localhost"}).json()
    assert body["url"] == "http://localhost/whoami"
    assert body["server"] == ["localhost", "80"]


@pytest.mark.parametrize("path", ["/", "/whoami", "/apps/api/", "/static/style.css", "/nginx-health"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost.evil.example"])
def test_a_host_not_in_server_names_gets_421_and_never_reaches_an_app(stack, http, path, host):
    response = http.get(path, headers={"Host": host.format(port=stack.address[1])})
    assert response.status_code == 421
    # nginx's own page: the test stack shows X-Vassal on every app response, and there is none.
    assert "421 Misdirected Request" in response.text
    assert "X-Vassal" not in response.headers
    assert REQUEST_ID.match(response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    "request_line",
    [
        # No Host at all (HTTP/1.0).
        b"GET /whoami HTTP/1.0\r\n\r\n",
        # An absolute-form target names the host, whatever Host says.
        b"GET http://evil.example/whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    ],
)
def test_a_request_naming_no_allowed_host_gets_421(stack, request_line):
    answer = _raw(stack, request_line)
    assert answer.startswith("HTTP/1.1 421"), answer[:200]
    assert "X-Vassal" not in answer


def test_absolute_form_target_of_an_allowed_host_does_not_borrow_the_port_of_host(stack):
    # The target's host wins (it is nginx's $host); Host's port belongs to another host.
    answer = _raw(
        stack, b"GET http://localhost/whoami HTTP/1.1\r\nHost: evil.example:666\r\nConnection: close\r\n\r\n"
    )
    assert answer.startswith("HTTP/1.1 200"), answer[:200]
    assert '"url":"http://localhost/whoami"' in answer


def test_forwarding_headers_from_an_untrusted_client_are_not_believed(stack, http):
    # TRUSTED_PROXIES is empty: a client on 127.0.0.1 arrives from the Docker network's gateway.
    gateway = stack.network()["Gateway"]
    response = http.get(
        "/whoami",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
            "Forwarded": "for=203.0.113.9;proto=https",
        },
    )
    body = response.json()
    assert body["remote_addr"] == gateway
    assert body["scheme"] == "http"
    assert body["url"].startswith("http://127.0.0.1:")
    # uWSGI never saw the client's X-Forwarded-Proto (it would have made wsgi.url_scheme https):
    # nginx replaced it with its own conclusion, and dropped the rest.
    assert body["forwarded"] == {
        "X-Forwarded-For": gateway,
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Host": None,
        "Forwarded": None,
    }


def test_request_id_reaches_the_app_the_log_and_the_client(stack, http):
    response = http.get("/whoami")
    request_id = response.headers["X-Request-ID"]
    assert REQUEST_ID.match(request_id)
    assert response.json()["request_id"] == request_id
    # The access log (LOG_FORMAT=text) is buffered (flushed every second).
    (line,) = wait_until(
        lambda: [
            line
            for line in stack.container("nginx").logs(tail=500).decode().splitlines()
            if f"request_id={request_id}" in line
        ],
        10,
        "the request id in nginx's access log",
    )
    assert " app=main request_time=" in line and " upstream_time=" in line


@pytest.mark.parametrize("path", ["/apps/api/", "/static/style.css", "/no-such-page"])
def test_every_response_carries_its_own_request_id(http, path):
    first, second = http.get(path), http.get(path)
    assert REQUEST_ID.match(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_clients_own_request_id_is_replaced(http):
    response = http.get("/whoami", headers={"X-Request-ID": "chosen-by-the-client"})
    assert REQUEST_ID.match(response.headers["X-Request-ID"])
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"SERVER_NAMES": "bad_name!"}, "SERVER_NAMES: 'bad_name!' is not a host name"),
        ({"SERVER_NAMES": "*.example.com"}, "SERVER_NAMES: name at least one host without a '*'"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8 10.1.0.0/33"}, "TRUSTED_PROXIES: '10.1.0.0/33' is not"),
        ({"TRUSTED_PROXIES": "256.0.0.1"}, "TRUSTED_PROXIES: '256.0.0.1' is not"),
        ({"VASSAL_HEADER": "yes"}, "VASSAL_HEADER='yes' must be 0 or 1"),
    ],
)
def test_a_bad_knob_stops_nginx_with_a_line_naming_it(stack, knobs, message):
    assert message in stack.refused_start_log("nginx", knobs)

"""Behaviours 9-10: what nginx tells the world, and how it meets oversized or malformed requests."""

import http.client
import socket

import pytest

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "path", ["/", "/apps/api/", "/static/style.css", "/apps/no-such-app/", "/no-such-page"]
)
def test_server_header_has_no_version_and_security_headers_are_always_sent(http, path):
    response = http.get(path)
    assert response.status_code in (200, 404)
    assert response.headers["Server"] == "nginx"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def _raw(stack, request_bytes):
    """Send bytes as they are; return nginx's status line."""
    with socket.create_connection(stack.address, timeout=10) as connection:
        connection.sendall(request_bytes)
        return connection.makefile("rb").readline().decode().strip()


def test_body_over_the_limit_is_413(stack):
    # nginx judges the declared length (10 MB limit) before reading a byte of the body.
    connection = http.client.HTTPConnection(*stack.address, timeout=10)
    connection.putrequest("POST", "/apps/api/")
    connection.putheader("Content-Length", str(11 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    connection.close()
    assert response.status == 413


def test_body_over_the_limit_sent_in_full_is_413(http):
    response = http.post("/apps/api/", data=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/", "/apps/api/"])
def test_a_16_kb_cookie_reaches_the_app(http, path):
    # uWSGI's default 4 KB buffer would drop it and nginx would answer 502.
    response = http.get(path, headers={"Cookie": "session=" + "a" * 16 * 1024})
    assert response.status_code == 200


def test_malformed_request_line_is_400(stack):
    assert _raw(stack, b"THIS IS NOT HTTP\r\n\r\n").startswith("HTTP/1.1 400")


def test_unsupported_http_version_is_505(stack):
    assert _raw(stack, b"GET / HTTP/3.7\r\nHost: x\r\n\r\n").startswith("HTTP/1.1 505")

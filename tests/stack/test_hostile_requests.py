"""Hostile and malformed requests: nginx refuses each with a 4xx, 501 or 505 of its own, no app
sees any of them (the test stack's apps answer with X-Vassal), and none gets a 5xx the client did
not earn. At nginx's limits (nginx.conf: large_client_header_buffers, max_headers), a request is
still served: what nginx accepts, uWSGI can take (docs/production.md, "Hostile requests")."""

import socket

import pytest

HEAD = "Host: localhost\r\nConnection: close\r\n"


def request(line="GET /apps/api/ HTTP/1.1", headers="", body="", head=HEAD):
    """The bytes of a request: its line, Host and Connection, `headers` (each ending in CRLF)."""
    return f"{line}\r\n{head}{headers}\r\n{body}"


def post(headers, body=""):
    return request("POST /apps/api/ HTTP/1.1", headers, body)


def lines(count, value, name="X-H"):
    return "".join(f"{name}{i}: {value}\r\n" for i in range(count))


CHUNKED = "Transfer-Encoding: chunked\r\n"
# (what it is, the bytes sent, the status nginx answers)
HOSTILE = [
    ("CL and TE both (smuggling)", post(f"Content-Length: 4\r\n{CHUNKED}", "0\r\n\r\n"), 400),
    ("two Content-Lengths", post("Content-Length: 1\r\nContent-Length: 2\r\n", "ab"), 400),
    ("negative Content-Length", post("Content-Length: -1\r\n"), 400),
    ("Content-Length past 64 bits", post("Content-Length: 99999999999999999999\r\n"), 400),
    ("bad chunk size", post(CHUNKED, "zz\r\nabc\r\n0\r\n\r\n"), 400),
    ("chunk size past 64 bits", post(CHUNKED, "ffffffffffffffffff\r\n"), 400),
    ("a coding nginx does not know", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 501),
    ("chunked in HTTP/1.0", request("POST /apps/api/ HTTP/1.0", CHUNKED, "0\r\n\r\n"), 400),
    ("traversal through /static/", request("GET /static/../../../../etc/passwd HTTP/1.1"), 400),
    ("traversal through /apps/", request("GET /apps/../../../etc/passwd HTTP/1.1"), 400),
    ("encoded traversal", request("GET /apps/api/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1"), 400),
    ("a null byte in the path", request("GET /apps/api/%00 HTTP/1.1"), 400),
    ("a space in the path", request("GET /apps/ api/ HTTP/1.1"), 400),
    ("absolute form for another host", request("GET http://evil.example/apps/api/ HTTP/1.1"), 421),
    ("no Host in HTTP/1.1", request(head="Connection: close\r\n"), 400),
    ("two Hosts", request(headers="Host: other\r\n"), 400),
    ("a Host no server names", request(head="Host: evil.example\r\nConnection: close\r\n"), 421),
    ("a Host of 300 characters", request(head=f"Host: {'a' * 300}.localhost\r\n"), 421),
    ("a null byte in a header", request(headers="X-Evil: a\0b\r\n"), 400),
    ("a bare CR in a header", request(headers="X-Evil: a\rb\r\n"), 400),
    ("a folded header line", request(headers="X-Evil: a\r\n folded\r\n"), 400),
    ("an unknown method", request("BREW /apps/api/ HTTP/1.1"), 501),
    ("PROPFIND (WebDAV, not on the list)", request("PROPFIND /apps/api/ HTTP/1.1"), 501),
    ("TRACE", request("TRACE /apps/api/ HTTP/1.1"), 405),
    ("a lowercase method", request("get /apps/api/ HTTP/1.1"), 400),
    ("not HTTP at all", "THIS IS NOT HTTP\r\n\r\n", 400),
    ("HTTP/2.0 in an HTTP/1 request line", request("GET /apps/api/ HTTP/2.0"), 505),
    ("HTTP/3.7", request("GET /apps/api/ HTTP/3.7"), 505),
    ("a 64 KB URI", request(f"GET /apps/api/?q={'a' * 65536} HTTP/1.1"), 414),
    ("a 30 KB path", request(f"GET /apps/api/{'a' * 30000} HTTP/1.1"), 414),
    ("a 100 KB header", request(headers=lines(1, "a" * 102400)), 400),
    ("three 17 KB headers", request(headers=lines(3, "a" * 17000)), 400),
    ("300 header lines", request(headers=lines(298, "v" * 90)), 400),
    ("3,000 tiny header lines", request(headers=lines(2998, "", name="a")), 400),
    ("101 header lines", request(headers=lines(99, "v")), 400),
]
# At the limits, and served: 100 header lines; a 17 KB query and a 17 KB header, the two large
# buffers nginx has beyond its first 1 KB (nginx.conf: large_client_header_buffers).
AT_THE_LIMITS = [
    ("100 header lines of 90 bytes", request(headers=lines(98, "v" * 90))),
    ("a 17 KB query and a 17 KB header", request(f"GET /?q={'a' * 17000} HTTP/1.1", lines(1, "b" * 17000))),
]


def _send(stack, raw):
    """Send bytes as they are; return nginx's response head (status line and headers)."""
    with socket.create_connection(stack.address, timeout=15) as connection:
        connection.sendall(raw.encode("latin-1"))
        head = b""
        while b"\r\n\r\n" not in head and (chunk := connection.recv(65536)):
            head += chunk
    return head.split(b"\r\n\r\n", 1)[0].decode("latin-1")


@pytest.mark.parametrize(("what", "raw", "status"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_nginx_refuses_a_hostile_request_before_any_app(stack, what, raw, status):
    head = _send(stack, raw)
    assert head.startswith(f"HTTP/1.1 {status} "), head
    assert "x-vassal:" not in head.lower(), f"{what} reached an app: {head}"


def test_http_0_9_gets_nginxs_own_page(stack):
    # No Host: the default server's 421, its page without a status line (HTTP/0.9 has none).
    with socket.create_connection(stack.address, timeout=15) as connection:
        connection.sendall(b"GET /apps/api/\r\n")
        body = connection.makefile("rb").read().decode()
    assert "<title>421 Misdirected Request</title>" in body


@pytest.mark.parametrize(("what", "raw"), AT_THE_LIMITS, ids=[case[0] for case in AT_THE_LIMITS])
def test_a_request_at_nginxs_limits_is_served(stack, what, raw):
    head = _send(stack, raw)
    assert head.startswith("HTTP/1.1 200 "), head
    assert "x-vassal:" in head.lower()


def test_ordinary_requests_are_served_after_the_sweep(http):
    for path in ("/", "/apps/api/", "/static/style.css"):
        assert http.get(path).status_code == 200, path

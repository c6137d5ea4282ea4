"""HTTPS (extras/tls): off in the session stack as shipped; its knobs checked at start; on, in a
second stack (its own Compose project, torn down after this module) with a certificate from
`make cert` and TRUSTED_PROXIES naming the Docker network that loopback clients arrive from."""

import socket
import ssl
import subprocess
import warnings

import pytest
import requests
from harness import ROOT
from stack_fixtures import second_stack


def _free_port():
    """A port free on 127.0.0.1 now: the redirect to HTTPS names it, so it cannot be ephemeral."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    tls = tmp_path_factory.mktemp("tls")
    subprocess.run(["make", "--no-print-directory", "cert", f"TLS_DIR={tls}"], cwd=ROOT, check=True)
    cert, key = tls / "localhost.crt", tls / "localhost.key"
    https_port = _free_port()
    knobs = {"TLS_CERT": str(cert), "TLS_KEY": str(key), "HTTPS_PORT": str(https_port), "VASSAL_HEADER": "0"}
    with second_stack("tls", overrides=["extras/tls/compose.yaml"], env=knobs) as stack:
        # The network exists only now: trust it, and recreate nginx (the app keeps running).
        stack.env["TRUSTED_PROXIES"] = stack.network()["Subnet"]
        stack.compose("up", "--detach", "--wait", "--wait-timeout", "60", "nginx")
        yield {
            "stack": stack,
            "cert": str(cert),
            "http": "http://{}:{}".format(*stack.address),
            "https": f"https://127.0.0.1:{https_port}",
            "https_port": https_port,
        }


def _get(url, **kwargs):
    return requests.get(url, timeout=10, allow_redirects=False, **kwargs)


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        (
            {"TLS_CERT": "/nonexistent.pem", "TLS_KEY": "/etc/hostname"},
            "TLS_CERT: no file at /nonexistent.pem",
        ),
        ({"TLS_CERT": "/etc/nginx/nginx.conf"}, "TLS_KEY is not set"),
        ({"TLS_CERT": "/etc/hostname", "TLS_KEY": "/etc/hostname"}, "TLS_CERT: /etc/hostname is not a PEM"),
    ],
)
def test_a_bad_knob_stops_nginx_with_a_line_naming_it(stack, knobs, message):
    assert message in stack.refused_start_log("nginx", knobs)


def test_https_is_off_by_default_with_nothing_listening(stack):
    assert not stack.container("nginx").ports.get("8443/tcp")
    # Inside the container too: nothing accepts a connection on 8443 (bash's /dev/tcp).
    code, output = stack.try_exec("nginx", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8443")
    assert code != 0, output
    assert "Connection refused" in output
    assert "nginx: HTTPS off" in stack.container("nginx").logs().decode()


def test_a_verifying_client_gets_https_and_the_app_sees_https(edge):
    response = _get(edge["https"] + "/whoami", verify=edge["cert"])
    assert response.status_code == 200
    body = response.json()
    assert body["scheme"] == "https"
    assert body["url"] == f"{edge['https']}/whoami"
    assert body["server"] == ["127.0.0.1", str(edge["https_port"])]
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert response.headers["X-Request-ID"] == body["request_id"]


def test_plain_http_redirects_to_https_keeping_the_method(edge):
    response = _get(edge["http"] + "/whoami?page=2")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{edge['https']}/whoami?page=2"
    assert "Strict-Transport-Security" not in response.headers
    # nginx's own health check stays on plain HTTP.
    assert _get(edge["http"] + "/nginx-health").status_code == 200


def test_https_offers_http2_and_nothing_older_than_tls_1_2(edge):
    def handshake(maximum=None):
        context = ssl.create_default_context(cafile=edge["cert"])
        context.set_alpn_protocols(["h2", "http/1.1"])
        if maximum:
            # Let this client offer the old versions at all; the server must be the one to refuse.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = maximum
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with (
            socket.create_connection(("127.0.0.1", edge["https_port"]), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            return tls.version(), tls.selected_alpn_protocol()

    assert handshake() == ("TLSv1.3", "h2")
    assert handshake(ssl.TLSVersion.TLSv1_2) == ("TLSv1.2", "h2")
    # nginx's alert, not this client declining to try.
    with pytest.raises(ssl.SSLError, match="ALERT_PROTOCOL_VERSION"):
        handshake(ssl.TLSVersion.TLSv1_1)


def test_a_host_not_in_server_names_gets_421_over_https_too(edge):
    response = _get(edge["https"] + "/whoami", verify=edge["cert"], headers={"Host": "evil.example"})
    assert response.status_code == 421
    assert "X-Vassal" not in response.headers


def test_a_trusted_tls_terminator_saying_https_is_not_redirected(edge):
    # Plain HTTP from the trusted network, as from a TLS terminator: a redirect would loop.
    response = _get(edge["http"] + "/whoami", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response.json()["scheme"] == "https"
    # HSTS is the terminator's to send: nginx did not speak TLS.
    assert "Strict-Transport-Security" not in response.headers


def test_a_trusted_proxy_saying_http_is_redirected(edge):
    response = _get(edge["http"] + "/whoami", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 308

"""The edge knobs turned on, in a second stack (its own Compose project, torn down after this module):
TRUSTED_PROXIES naming the Docker network that loopback clients arrive from, HTTPS with a certificate
from `make cert`, and VASSAL_HEADER as shipped (0)."""

import json
import socket
import ssl
import subprocess
import warnings

import pytest
import requests
from harness import ROOT, compose_as_shipped
from stack_fixtures import second_stack

# A trusted proxy's client, and a forged entry further left that the proxy appended to.
CLIENT = "198.51.100.9"
FORGED = "203.0.113.5"


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
    with second_stack("edge", overrides=["compose.tls.yaml"], env=knobs) as stack:
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


def test_as_shipped_x_vassal_stays_inside(edge):
    environment = json.loads(compose_as_shipped("config", "--format", "json"))["services"]["nginx"]
    assert environment["environment"]["VASSAL_HEADER"] == "0"
    for path in ("/", "/apps/api/"):
        response = _get(edge["https"] + path, verify=edge["cert"])
        assert response.status_code == 200
        assert "X-Vassal" not in response.headers


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


def test_a_trusted_proxys_x_forwarded_for_becomes_the_client_address(edge):
    response = _get(
        edge["https"] + "/whoami", verify=edge["cert"], headers={"X-Forwarded-For": f"{FORGED}, {CLIENT}"}
    )
    body = response.json()
    # The last address that is not a trusted proxy: the one the proxy itself saw.
    assert body["remote_addr"] == CLIENT
    assert body["forwarded"]["X-Forwarded-For"] == CLIENT


def test_a_trusted_tls_terminator_saying_https_makes_the_app_see_https(edge):
    # Plain HTTP from the trusted network, as from a TLS terminator: no redirect (that would loop).
    response = _get(edge["http"] + "/whoami", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    body = response.json()
    assert body["scheme"] == "https"
    assert body["url"] == "https://localhost/whoami"
    assert body["server"] == ["localhost", "443"]
    # HSTS is the terminator's to send: nginx did not speak TLS.
    assert "Strict-Transport-Security" not in response.headers


def test_a_trusted_proxy_saying_http_is_redirected(edge):
    response = _get(edge["http"] + "/whoami", headers={"X-Forwarded-Proto": "http"})
    assert response.status_code == 308


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-42.abc_DEF", True), ("not well formed!", False), ("x" * 129, False)],
)
def test_a_trusted_proxys_request_id_is_kept_when_well_formed(edge, sent, kept):
    response = _get(edge["https"] + "/whoami", verify=edge["cert"], headers={"X-Request-ID": sent})
    request_id = response.headers["X-Request-ID"]
    assert (request_id == sent) is kept
    assert response.json()["request_id"] == request_id

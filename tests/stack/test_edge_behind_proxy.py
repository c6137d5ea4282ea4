"""The edge knobs turned on, in a second stack (its own Compose project, torn down after this module):
TRUSTED_PROXIES naming the Docker network that loopback clients arrive from, and VASSAL_HEADER as
shipped (0)."""

import json

import pytest
import requests
from harness import compose_as_shipped
from stack_fixtures import second_stack

# A trusted proxy's client, and a forged entry further left that the proxy appended to.
CLIENT = "198.51.100.9"
FORGED = "203.0.113.5"


@pytest.fixture(scope="module")
def edge():
    with second_stack("edge", env={"VASSAL_HEADER": "0"}) as stack:
        # The network exists only now: trust it, and recreate nginx (the app keeps running).
        stack.env["TRUSTED_PROXIES"] = stack.network()["Subnet"]
        stack.compose("up", "--detach", "--wait", "--wait-timeout", "60", "nginx")
        yield "http://{}:{}".format(*stack.address)


def _get(url, **kwargs):
    return requests.get(url, timeout=10, allow_redirects=False, **kwargs)


def test_as_shipped_x_vassal_stays_inside(edge):
    environment = json.loads(compose_as_shipped("config", "--format", "json"))["services"]["nginx"]
    assert environment["environment"]["VASSAL_HEADER"] == "0"
    for path in ("/", "/apps/api/"):
        response = _get(edge + path)
        assert response.status_code == 200
        assert "X-Vassal" not in response.headers


def test_a_trusted_proxys_x_forwarded_for_becomes_the_client_address(edge):
    response = _get(edge + "/whoami", headers={"X-Forwarded-For": f"{FORGED}, {CLIENT}"})
    body = response.json()
    # The last address that is not a trusted proxy: the one the proxy itself saw.
    assert body["remote_addr"] == CLIENT
    assert body["forwarded"]["X-Forwarded-For"] == CLIENT


def test_a_trusted_tls_terminator_saying_https_makes_the_app_see_https(edge):
    response = _get(edge + "/whoami", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    body = response.json()
    assert body["scheme"] == "https"
    assert body["url"] == "https://localhost/whoami"
    assert body["server"] == ["localhost", "443"]
    # HSTS is the terminator's to send: nginx did not speak TLS.
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-42.abc_DEF", True), ("not well formed!", False), ("x" * 129, False)],
)
def test_a_trusted_proxys_request_id_is_kept_when_well_formed(edge, sent, kept):
    response = _get(edge + "/whoami", headers={"X-Request-ID": sent})
    request_id = response.headers["X-Request-ID"]
    assert (request_id == sent) is kept
    assert response.json()["request_id"] == request_id

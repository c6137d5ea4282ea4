"""extras/metrics: with METRICS=1, a stack of its own (the overlay, METRICS_PORT=0 for an ephemeral
port) answers Prometheus' scrape on 127.0.0.1 only, from the uWSGI stats sockets and nginx's
stub_status; under load, an app's request counter grows by what was sent."""

import re
import time

import pytest
import requests
from load import Load
from stack_fixtures import second_stack

OVERLAY = "extras/metrics/compose.yaml"
# The app container's health check asks every vassal for / every 2 s (APP_HEALTH_INTERVAL): those
# requests count too.
HEALTH_INTERVAL_S = 2


@pytest.fixture(scope="module")
def metrics():
    with second_stack("metrics", overrides=[OVERLAY], env={"METRICS": "1", "METRICS_PORT": "0"}) as stack:
        yield stack


def _scrape(stack):
    host, port = stack.published("nginx", 9117)
    response = requests.get(f"http://{host}:{port}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.text


def _value(text, name, **labels):
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$" if wanted else rf"^{name} (\S+)$"
    (value,) = re.findall(pattern, text, flags=re.MULTILINE)
    return float(value)


def test_the_scrape_target_is_on_loopback_only_and_not_the_public_port(metrics):
    assert metrics.published("nginx", 9117)[0] == "127.0.0.1"
    public = requests.get(f"{metrics.base_url}/metrics", timeout=10)
    assert "uwsgi_requests_total" not in public.text


def test_every_app_and_nginx_have_their_families(metrics):
    text = _scrape(metrics)
    for app in ("main", "api"):
        assert (
            _value(text, "uwsgi_workers", app=app, status="idle")
            + _value(text, "uwsgi_workers", app=app, status="busy")
            == 2
        )
        assert _value(text, "uwsgi_listen_queue", app=app) >= 0
        assert _value(text, "uwsgi_workers_rss_bytes", app=app) > 10 * 2**20
        assert _value(text, "uwsgi_exceptions_total", app=app) >= 0
    assert _value(text, "nginx_up") == 1
    assert _value(text, "nginx_connections_active") >= 1


def test_under_load_a_request_counter_grows_by_what_was_sent(metrics):
    before = _value(_scrape(metrics), "uwsgi_requests_total", app="api")
    nginx_before = _value(_scrape(metrics), "nginx_http_requests_total")
    started = time.monotonic()
    with Load(lambda: metrics.address, ["/apps/api/"], clients=4, max_seconds=30) as load:
        load.wait_for(1000)
        during = [_value(_scrape(metrics), "uwsgi_requests_total", app="api") for _ in range(3)]
        load.stop()
    elapsed = time.monotonic() - started
    after = _value(_scrape(metrics), "uwsgi_requests_total", app="api")
    sent = load.result.sent
    print(f"metrics: {sent} requests sent in {elapsed:.1f} s, api's counter {before:.0f} -> {after:.0f}")
    assert load.result.failures == []
    assert during == sorted(during) and before <= during[0] and during[-1] <= after
    # What was sent, and the health check's probes meanwhile (one each 2 s, and one in flight).
    assert sent <= after - before <= sent + elapsed / HEALTH_INTERVAL_S + 2
    assert _value(_scrape(metrics), "nginx_http_requests_total") - nginx_before >= sent


def test_a_bad_value_stops_both_containers_naming_it(metrics):
    for service in ("app", "nginx"):
        assert "METRICS='yes' must be 0 or 1" in metrics.refused_start_log(service, {"METRICS": "yes"})

import json
import time

import api
import pytest
from werkzeug.test import Client


@pytest.fixture
def client():
    return Client(api.app)


def test_status_reports_the_vassal_and_its_mount_point(client):
    response = client.get("/", environ_overrides={"SCRIPT_NAME": "/apps/api"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["app"] == "api"
    assert body["vassal"] == "api"
    assert body["mounted_at"] == "/apps/api/"
    assert response.headers["X-Vassal"] == f"api/{body['pid']}"


def test_items_is_a_json_payload_of_about_10_kb(client):
    response = client.get("/items")
    assert response.status_code == 200
    assert 9_000 <= int(response.headers["Content-Length"]) <= 12_000
    assert len(json.loads(response.data)["items"]) == 170


def test_wait_answers_after_waiting_20_ms(client):
    started = time.monotonic()
    response = client.get("/wait")
    took = time.monotonic() - started
    assert response.status_code == 200
    assert json.loads(response.data) == {"waited_ms": 20.0}
    assert 0.020 <= took < 0.5


def test_unknown_path_is_a_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert json.loads(response.data) == {"error": "not found"}


def test_writes_are_refused(client):
    assert client.post("/").status_code == 405


def test_ping_is_a_tiny_text_answer(client):
    response = client.get("/ping")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == b"pong\n"

import main
import pytest


@pytest.fixture
def client():
    return main.app.test_client()


def test_index_renders_the_template_with_its_stylesheet(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"<h1>It works</h1>" in response.data
    assert b'href="/static/style.css"' in response.data


def test_every_response_names_the_vassal_and_worker(client):
    response = client.get("/")
    vassal, pid = response.headers["X-Vassal"].split("/")
    assert vassal == "main"
    assert pid.isdigit()


def test_static_file_is_part_of_the_app(client):
    # nginx serves it in the stack; the app can serve the same file when run alone.
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_unknown_path_is_404(client):
    assert client.get("/no-such-page").status_code == 404


def test_whoami_shows_what_the_app_sees_of_the_request(client):
    response = client.get(
        "/whoami",
        base_url="https://example.test:8443",
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
        headers={"X-Request-ID": "abc123", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200
    body = response.get_json()
    # Absolute URLs keep the port of the Host the client sent.
    assert body["url"] == "https://example.test:8443/whoami"
    assert body["scheme"] == "https"
    assert body["host"] == "example.test:8443"
    assert body["remote_addr"] == "198.51.100.7"
    assert body["request_id"] == "abc123"
    assert body["forwarded"] == {
        "X-Forwarded-For": None,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": None,
        "Forwarded": None,
    }


def test_whoami_without_a_request_id_says_none(client):
    body = client.get("/whoami").get_json()
    assert body["request_id"] is None
    assert body["url"] == "http://localhost/whoami"

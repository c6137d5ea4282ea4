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

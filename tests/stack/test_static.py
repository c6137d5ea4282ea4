"""nginx serves the main app's static files itself, also while the app is down; a path it does not
have goes to the app, and an app without static files gets its /static/ paths itself."""

from harness import ROOT

STYLESHEET = (ROOT / "tests" / "apps" / "app" / "main" / "static" / "style.css").read_bytes()


def test_static_file_is_served_by_nginx(http):
    response = http.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css"
    assert response.content == STYLESHEET
    assert "X-Vassal" not in response.headers


def test_static_file_is_served_while_the_main_vassal_is_stopped(stack, http):
    stack.exec("app", "mv", "/run/vassals/main.ini", "/tmp/main.ini")
    try:
        # The emperor polls every 3 s: the main app goes away, its socket with it; once the health
        # check saw its file gone, it is no app of this container: 404.
        http.wait_for_status("/", 404, timeout=20)
        response = http.get("/static/style.css")
        assert response.status_code == 200
        assert response.content == STYLESHEET
    finally:
        stack.exec("app", "cp", "/tmp/main.ini", "/run/vassals/main.ini")
    http.wait_for_status("/", 200, timeout=20)


def test_a_static_file_nginx_does_not_have_goes_to_the_main_app(http):
    # Flask's own static route answers (an app may serve files from its package there).
    response = http.get("/static/missing.css")
    assert response.status_code == 404
    assert response.headers["X-Vassal"].startswith("main/")


def test_an_app_without_static_files_answers_its_static_paths_itself(http):
    response = http.get("/apps/api/static/style.css")
    assert response.status_code == 404
    assert response.headers["X-Vassal"].startswith("api/")

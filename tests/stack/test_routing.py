"""Behaviour 1: each app is served through nginx by its own vassal, on its own socket."""

from harness import WORKERS


def test_root_is_served_by_the_main_vassal(stack, http):
    response = http.get("/")
    assert response.status_code == 200
    assert "<p>main</p>" in response.text
    vassal, pid = response.headers["X-Vassal"].split("/")
    assert vassal == "main"
    assert int(pid) in stack.vassal_processes("main")["workers"]


def test_api_prefix_is_served_by_the_api_vassal(stack, http):
    response = http.get("/apps/api/")
    assert response.status_code == 200
    body = response.json()
    assert body["vassal"] == "api"
    assert body["mounted_at"] == "/apps/api/"
    assert int(response.headers["X-Vassal"].split("/")[1]) in stack.vassal_processes("api")["workers"]


def test_the_two_vassals_are_separate_process_pools(stack):
    main, api = stack.vassal_processes("main"), stack.vassal_processes("api")
    assert main["master"] and api["master"] and main["master"] != api["master"]
    assert len(main["workers"]) == WORKERS
    assert len(api["workers"]) == WORKERS
    assert not main["workers"] & api["workers"]


def test_api_routes_below_the_prefix(http):
    response = http.get("/apps/api/items")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 170


def test_app_prefix_without_slash_redirects_relative(http):
    response = http.get("/apps/api")
    assert response.status_code == 301
    # Relative: nginx listens on 8080, the host publishes another port.
    assert response.headers["Location"] == "/apps/api/"

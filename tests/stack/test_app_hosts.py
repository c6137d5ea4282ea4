"""Host names (docs/apps.md, "Host names"): a copy of the repo whose .env sets
APP_HOSTS="forum=forum.localhost,forum.example.test" and MAIN_APP=blog. forum answers at the root
of its own hosts (SCRIPT_NAME empty) and its page's absolute /static/style.css is its own, served by
nginx; blog answers / on the default host, with its static files at /static/; any other host gets
421; `make urls` prints them. The knobs' bad values: test_knobs.py."""

import re
import shutil
from pathlib import Path

import pytest
import requests
from copies import copy_stack, new_app, repo_copy

HOSTED = Path(__file__).parent / "testapps" / "hosted"
BLOG_CSS = b"body { color: #123456; }\n"


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    root = repo_copy(tmp_path_factory)
    new_app(root, "forum")
    shutil.copy(HOSTED / "app.py", root / "app" / "forum" / "__init__.py")
    (root / "app" / "forum" / "static").mkdir()
    shutil.copy(HOSTED / "style.css", root / "app" / "forum" / "static" / "style.css")
    new_app(root, "blog")
    (root / "app" / "blog" / "static").mkdir()
    (root / "app" / "blog" / "static" / "blog.css").write_bytes(BLOG_CSS)
    # No quotes: make reads .env too, and would keep them.
    (root / ".env").write_text("APP_HOSTS=forum=forum.localhost,forum.example.test\nMAIN_APP=blog\n")
    with copy_stack(root, "hosts") as stack:
        yield stack


def _get(stack, path, host):
    return requests.get(stack.base_url + path, headers={"Host": host}, timeout=10, allow_redirects=False)


@pytest.mark.parametrize("host", ["forum.localhost", "forum.example.test"])
def test_an_app_on_its_own_host_owns_the_root(hosts, host):
    page = _get(hosts, "/", host)
    assert page.status_code == 200
    assert page.headers["X-Vassal"].startswith("forum/")
    assert '<p id="script-name"></p><p id="path">/</p>' in page.text
    # The page's absolute link reaches the app's own stylesheet, served by nginx.
    stylesheet = re.search(r'href="([^"]+)"', page.text).group(1)
    assert stylesheet == "/static/style.css"
    css = _get(hosts, stylesheet, host)
    assert css.status_code == 200
    assert css.content == (HOSTED / "style.css").read_bytes()
    assert css.headers["Cache-Control"] == "max-age=3600"
    assert "X-Vassal" not in css.headers
    # Its other paths are its own too, and a static file nginx does not have (one in its package).
    assert '<p id="path">/deep/path</p>' in _get(hosts, "/deep/path", host).text
    packaged = _get(hosts, "/static/from-its-package.css", host)
    assert packaged.headers["X-Vassal"].startswith("forum/")
    assert '<p id="path">/static/from-its-package.css</p>' in packaged.text


def test_main_app_answers_the_root_of_the_default_host(hosts):
    page = _get(hosts, "/", "localhost")
    assert page.status_code == 200
    assert page.json() == {"app": "blog", "mounted_at": "/"}
    css = _get(hosts, "/static/blog.css", "localhost")
    assert (css.status_code, css.content) == (200, BLOG_CSS)
    # The others stay at /apps/NAME/, main among them; forum there too.
    assert _get(hosts, "/apps/main/", "localhost").status_code == 200
    assert '<p id="script-name">/apps/forum</p>' in _get(hosts, "/apps/forum/", "localhost").text


def test_a_host_nobody_names_gets_421(hosts):
    assert _get(hosts, "/", "other.example.test").status_code == 421


def test_make_urls_prints_each_apps_hosts(hosts):
    printed = hosts.make("urls")
    port = hosts.base_url.rsplit(":", 1)[1]
    assert f"  {hosts.base_url}/  (blog)" in printed
    assert f"  http://forum.localhost:{port}/  (forum, on its own host)" in printed
    assert f"  http://forum.example.test:{port}/  (forum, on its own host)" in printed

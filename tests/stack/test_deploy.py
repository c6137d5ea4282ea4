"""Zero-downtime image deploys: `make deploy` and `make rollback` swap the app container for
one of another image under load; a broken image never gets a request."""

import contextlib
import io
import tarfile
import time
import uuid

import docker
import pytest
from harness import post_note
from load import Load
from stack_fixtures import BROKEN_VASSAL, in_flight_request, install_lab

pytestmark = pytest.mark.slow
PATHS = ["/apps/api/", "/"]
DEPLOY_TARGET_S = 60
# The new version: a vassal `ver` that answers "2", and a new static file.
VERSION_VASSAL = """[uwsgi]
set-ph = app=%n
include = /etc/uwsgi/vassal-defaults.ini
module = ver:app
"""
VERSION_APP = """def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"2"]
"""


def _derived_image(stack, base, tag, files):
    """An image FROM `base` (the stack's app image) with `files` ({path in the image: text}) added,
    tagged `tag` in its repository; built by the Docker SDK (the classic builder needs nothing but
    the local base)."""
    copies = "".join(f"COPY f{i} {path}\n" for i, path in enumerate(files))
    context = {"Dockerfile": f"FROM {base}\n{copies}", **{f"f{i}": t for i, t in enumerate(files.values())}}
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, text in context.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(text.encode()), 0o644
            tar.addfile(info, io.BytesIO(text.encode()))
    archive.seek(0)
    # rm/forcerm: no intermediate containers left behind, whatever the outcome.
    image, _ = stack.docker.images.build(
        fileobj=archive, custom_context=True, tag=f"{base.split(':')[0]}:{tag}", rm=True, forcerm=True
    )
    return image.id


@pytest.fixture(scope="module")
def images(stack):
    """{name: (IMAGE_TAG, image id)} of a new version and of a broken one; removed afterwards, with
    the deploy's record of the previous image."""
    prefix = f"{stack.project}-deploy"
    base = stack.compose("config", "--images", "app").stdout.strip()
    repository = base.split(":")[0]
    files = {
        "v2": {
            "/etc/uwsgi/vassals/ver.ini": VERSION_VASSAL,
            "/srv/app/ver.py": VERSION_APP,
            "/srv/app/main/static/deployed.txt": "v2\n",
        },
        "broken": {"/etc/uwsgi/vassals/broken.ini": BROKEN_VASSAL},
    }
    tags = {name: f"{prefix}-{name}" for name in files}
    built = {name: (tags[name], _derived_image(stack, base, tags[name], files[name])) for name in files}
    yield built
    for tag in [tag for tag, _ in built.values()] + [f"{stack.project}-previous"]:
        with contextlib.suppress(docker.errors.ImageNotFound):
            stack.docker.images.remove(f"{repository}:{tag}")


def _deploy_under_load(stack, http, lab, fault_report, fault, target, env=None):
    """Run `make target` under load with a 5 s request in flight on the old container; return the
    finished process. Asserts what every swap must keep: no failed request, nginx untouched."""
    nginx_started = stack.container("nginx").attrs["State"]["StartedAt"]
    # A broken image fails after its 30 s start period: ~100,000 requests at this machine's pace.
    with Load(lambda: stack.address, PATHS, clients=16, max_seconds=150, max_requests=500_000) as load:
        load.wait_for(200)
        thread, slow = in_flight_request(stack, http, lab)
        started = time.monotonic()
        result = stack.run("make", "--no-print-directory", target, env=env, timeout=180)
        took = time.monotonic() - started
        thread.join(60)
        load.wait_for(len(load.result.outcomes) + 500)
    fault_report(fault, load.result, note=f"took {took:.1f} s, 5 s request: {slow[0].status}")
    assert load.result.failures == []
    assert [o.status for o in slow] == [200]
    assert stack.container("nginx").attrs["State"]["StartedAt"] == nginx_started
    return result, took


def test_broken_image_never_gets_a_request(stack, http, lab, images, fault_report):
    serving = stack.container("app").id
    tag, _ = images["broken"]
    result, _ = _deploy_under_load(
        stack, http, lab, fault_report, "make deploy, broken image", "deploy", env={"IMAGE_TAG": tag}
    )
    assert result.returncode != 0
    assert "vassal 'broken'" in result.stderr
    assert stack.container("app").id == serving
    assert http.get("/apps/broken/").status_code == 404


def test_deploy_then_rollback_swap_the_image_with_no_failed_request(stack, http, lab, images, fault_report):
    original = stack.container("app").image.id
    note = f"written before a deploy {uuid.uuid4().hex}"
    post_note(stack.base_url, note)
    tag, new_image = images["v2"]
    result, took = _deploy_under_load(
        stack, http, lab, fault_report, "make deploy, new image", "deploy", env={"IMAGE_TAG": tag}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"make deploy took {took:.1f} s")
    assert took < DEPLOY_TARGET_S
    # Only the new code answers, static files included; the old container is gone.
    assert stack.container("app").image.id == new_image
    assert http.get("/apps/ver/").text == "2"
    assert http.get("/static/deployed.txt").text == "v2\n"
    # The apps' data volume went over to the new container.
    assert note in http.get("/notes").text

    # The lab vassal was added to the old container at runtime: the new one needs it too.
    install_lab(stack, http, "lab")
    result, _ = _deploy_under_load(stack, http, lab, fault_report, "make rollback", "rollback")
    assert result.returncode == 0, result.stdout + result.stderr
    assert stack.container("app").image.id == original
    assert http.get("/apps/ver/").status_code == 404
    assert http.get("/static/deployed.txt").status_code == 404

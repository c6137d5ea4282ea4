"""`make new-app NAME=…` (scripts/new-app): scaffolds an app, its vassal and its unit test in a
copy of the repo's layout; refuses names outside the URL convention and never overwrites."""

import shutil
import subprocess
import sys

import pytest
from repo import ROOT

NEW_APP = ROOT / "scripts" / "new-app"


@pytest.fixture
def repo(tmp_path):
    """The folders new-app writes to, the shared pins, and pytest's settings (pyproject.toml)."""
    for folder in ("app", "uwsgi/vassals"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy(ROOT / "app" / "requirements.txt", tmp_path / "app")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def new_app(repo, name, *options):
    return subprocess.run(
        [sys.executable, str(NEW_APP), "--root", str(repo), *options, "--", name],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def files(repo):
    return sorted(str(path.relative_to(repo)) for path in repo.rglob("*") if path.is_file())


@pytest.mark.parametrize("name", ["blog", "my-blog", "2fa_admin", "x" * 64])
def test_scaffolds_an_app_its_vassal_and_a_unit_test_that_passes(repo, name):
    before = files(repo)
    result = new_app(repo, name)
    assert result.returncode == 0, result.stderr
    module = name.replace("-", "_")
    test = f"app/{name}/tests/test_{module}_app.py"
    created = [f"app/{name}/__init__.py", test, f"uwsgi/vassals/{name}.ini"]
    assert files(repo) == sorted([*before, *created])
    vassal = (repo / "uwsgi" / "vassals" / f"{name}.ini").read_text()
    assert "set-ph = app=%n\ninclude = /etc/uwsgi/vassal-defaults.ini\n" in vassal
    assert f"\nmodule = {name}:app\n" in vassal
    assert f"/apps/{name}/" in result.stdout
    # The generated code passes `make lint` and its own test.
    ruff = [sys.executable, "-m", "ruff"]
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([*ruff, "check", "--quiet", *config, str(repo)], check=True, timeout=60)
    subprocess.run([*ruff, "format", "--check", "--quiet", *config, str(repo)], check=True, timeout=60)
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(repo),
            "app",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Blog", "is not an app name"),
        ("-blog", "is not an app name"),
        ("_blog", "is not an app name"),
        ("blog.v2", "is not an app name"),
        ("../blog", "is not an app name"),
        ("my blog", "is not an app name"),
        ("", "is not an app name"),
        ("main", "'main' is the app served at /"),
        ("a" * 65, "longer than 64 characters"),
        ("json", "would shadow the Python module"),
        ("flask", "would shadow the Python module"),
    ],
)
def test_refuses_names_outside_the_url_convention(repo, name, why):
    before = files(repo)
    result = new_app(repo, name)
    assert result.returncode == 1
    assert result.stderr.startswith("new-app: ") and why in result.stderr, result.stderr
    assert files(repo) == before


@pytest.mark.parametrize("existing", ["app/blog/README", "app/blog.py", "uwsgi/vassals/blog.ini"])
def test_never_overwrites_anything(repo, existing):
    (repo / existing).parent.mkdir(parents=True, exist_ok=True)
    (repo / existing).write_text("mine\n")
    before = files(repo)
    result = new_app(repo, "blog")
    assert result.returncode == 1
    assert f"exists already ({existing.removesuffix('/README')}" in result.stderr, result.stderr
    assert files(repo) == before
    assert (repo / existing).read_text() == "mine\n"


def test_make_new_app_needs_a_name_and_refuses_a_bad_one_in_the_repo():
    make = ["make", "--no-print-directory", "new-app"]
    result = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode != 0
    assert "make new-app NAME=blog" in result.stderr
    result = subprocess.run(
        [*make, "NAME=main"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode != 0
    assert "'main' is the app served at /" in result.stderr

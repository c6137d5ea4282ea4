"""docs/apps.md's "Entry styles" links every example vassal in uwsgi/examples/ and no other: the
stack test (tests/stack/test_entry_styles.py) serves whatever files are there."""

import re

from repo import ROOT


def test_the_apps_page_links_every_entry_style_example():
    page = (ROOT / "docs" / "apps.md").read_text()
    section = page.split("## Entry styles", 1)[1].split("\n#", 1)[0]
    linked = set(re.findall(r"\]\(\.\./uwsgi/examples/([a-z0-9_-]+\.ini)\)", section))
    examples = {path.name for path in (ROOT / "uwsgi" / "examples").glob("*.ini")}
    assert examples
    assert linked == examples

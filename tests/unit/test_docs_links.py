"""The README, docs/ and the extras' pages stay a front door and a manual: every relative link
resolves (file and #anchor), the README stays short, and no page narrates the project's history."""

import re

import pytest
from repo import DOC_PAGES, ROOT

# [text](target), skipping images' and code's brackets that are not links.
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.MULTILINE | re.DOTALL)
# Phrases of a lab notebook: a figure is stated with its date in docs/measurements.md instead.
HISTORY = re.compile(
    r"earlier (session|version|run)|this session|measured before|before .* was added|"
    r"not yet explained|on this machine today",
    flags=re.IGNORECASE,
)


def _slug(heading):
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page):
    seen, anchors = {}, set()
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", page.read_text()), flags=re.MULTILINE):
        slug = _slug(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _in_a_deleted_extra(path):
    """A link into extras/NAME/ after a team deleted that extra: the core's pages may still name it."""
    parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else ()
    return len(parts) >= 2 and parts[0] == "extras" and not (ROOT / "extras" / parts[1]).exists()


def _links(page):
    return LINK.findall(FENCE.sub("", page.read_text()))


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    broken = []
    for target in _links(page):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if _in_a_deleted_extra(resolved):
            continue
        if not resolved.exists() or (
            anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved)
        ):
            broken.append(target)
    assert not broken, f"{page.name}: {broken}"


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_no_page_narrates_history(page):
    assert not HISTORY.findall(page.read_text())


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


def test_every_page_is_linked_from_the_readme():
    readme_links = {target.partition("#")[0] for target in _links(ROOT / "README.md")}
    assert {page.relative_to(ROOT).as_posix() for page in DOC_PAGES[1:]} <= readme_links

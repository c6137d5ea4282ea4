"""Where the unit tests find the repository: its root, and the pages the docs tests read (the
README, the manual in docs/ and each extra's page). A module of its own, not conftest: with
conftest.py files at the root and in tests/unit/, `from conftest import` depends on which pytest
imported last."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC_PAGES = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("extras/**/README.md"))]

"""Where the unit tests find the repository: its root, and the pages the docs tests read (the
README, the manual in docs/ and each extra's page). A module of its own, not conftest: with
conftest.py files in tests/ and extras/ too, `from conftest import` would find whichever came last."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC_PAGES = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("extras/**/README.md"))]

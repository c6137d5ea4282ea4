"""The apps' unit tests import app/<name> as a package, without uWSGI or Docker."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
# The README, the manual in docs/ and each extra's page: what the docs tests read.
DOC_PAGES = [ROOT / "README.md", *sorted(ROOT.glob("docs/*.md")), *sorted(ROOT.glob("extras/*/README.md"))]

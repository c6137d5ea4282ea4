"""Every stack test's fixtures (tests/stack/stack_fixtures.py), as a plugin: the extras' stack
tests share them, and so the session's one stack."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "stack"))
pytest_plugins = ["stack_fixtures"]

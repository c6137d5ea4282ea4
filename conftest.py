"""Every stack test's fixtures (tests/stack/stack_fixtures.py), as a plugin registered here, at the
root, so the core's stack tests and the extras' (extras/NAME/tests/stack/) share the session's one
stack however pytest is pointed at them; and tests/unit's helpers (repo.py) for the extras' unit
tests, likewise."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tests" / "stack"))
sys.path.insert(0, str(Path(__file__).parent / "tests" / "unit"))
pytest_plugins = ["stack_fixtures"]

"""The extras' stack tests share the core's stack fixtures (tests/stack/stack_fixtures.py), also
when pytest is pointed at extras/ alone."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "stack"))
pytest_plugins = ["stack_fixtures"]

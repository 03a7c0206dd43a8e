"""Shared test setup: `tests/` is importable so tests can use `helpers`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

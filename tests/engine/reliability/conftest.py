"""The corpus modules (corpus.py, makers.py, harness.py) import each other by name."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

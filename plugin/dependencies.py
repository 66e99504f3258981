"""Is the optional deep-learning stack usable here, and if not, exactly how to get it?"""
from __future__ import annotations

import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def torch_problem() -> str:
    """'' when torch imports; otherwise one paragraph saying what is missing and how to fix it."""
    try:
        import torch  # noqa: F401
        return ""
    except Exception as exc:  # ImportError, OSError (broken CUDA libraries), ...
        reason = " ".join(str(exc).split()) or type(exc).__name__
    python = sys.executable or "python3"
    return (f"The pretrained two-branch detector needs PyTorch, which this QGIS Python cannot "
            f"import ({reason}). Install the CPU build into the Python QGIS uses, e.g. "
            f"'{python} -m pip install torch==2.13.0' (or run QGIS from the hsad virtual "
            f"environment: 'make setup' then start QGIS with .venv/bin on PATH). Global RX and "
            f"local RX work without it.")

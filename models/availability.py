"""Can the pretrained detector run here? Answered without building it, for the plugin's checks.

This is the one place outside the model code that touches torch, and it lives under models/
so the plugin and the engine never import torch themselves.
"""
from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def torch_problem() -> str:
    """'' when torch imports; otherwise what is missing and the exact command that fixes it."""
    try:
        import torch  # noqa: F401
        return ""
    except Exception as exc:  # ImportError, or OSError from broken CUDA libraries
        reason = " ".join(str(exc).split()) or type(exc).__name__
    from ..engine.diagnostics import torch_install_command
    return (f"The pretrained two-branch detector needs PyTorch, which this Python cannot import "
            f"({reason}). Install the CPU build into the Python that runs hsad: "
            f"'{torch_install_command()}' (or use the hsad environment: 'make setup', "
            f"then run QGIS with .venv/bin first on PATH). Global RX and local RX work without it.")


def weights_problem() -> str:
    """'' when the shipped weights and manifest are in place; otherwise how to get them."""
    from .weights_io import MANIFEST, WEIGHTS_DIR, WEIGHTS_FILE
    for name in (MANIFEST, WEIGHTS_FILE):
        path = os.path.join(WEIGHTS_DIR, name)
        if not os.path.isfile(path):
            return (f"{path}: the pretrained detector's weights are missing; reinstall the plugin "
                    f"or rebuild them with 'hsad train'.")
    return ""


def pretrained_problem() -> str:
    """The first reason the pretrained detector cannot run here, or ''."""
    return torch_problem() or weights_problem()

"""Is the optional deep-learning stack usable here, and if not, exactly how to get it?

The checks live in models/ (the only place allowed to touch torch); this module is the plugin's
door to them, so Processing algorithms can say what is missing before anything runs.
"""
from __future__ import annotations


def torch_problem() -> str:
    """'' when torch imports; otherwise one paragraph with the install command."""
    from ..models.availability import torch_problem as problem
    return problem()


def pretrained_problem() -> str:
    """'' when the pretrained detector can run (torch and weights present); otherwise why not."""
    from ..models.availability import pretrained_problem as problem
    return problem()

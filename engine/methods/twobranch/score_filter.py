"""The 3 x 3 score filter: what a pixel's neighbours' scores add to its own.

A plane's mixed edge pixels score lower than its pure interior; reading the neighbours' scores
lifts them. Two forms, ``b`` the filter strength:

* ``additive`` - s + b * mean3x3(s) (model version 2, hsad 0.2): every pixel gains from bright
  neighbours, so the background beside a one-pixel target gains as much as the target itself;
* ``lift``     - max(s, (s + b * mean3x3(s)) / (1 + b)) (version 3): a pixel moves toward its
  neighbourhood's mean only where that mean is above it and keeps its own score where it
  stands out, so isolated targets are not overtaken by the background around them.

Both read one pixel around each pixel and no scene-wide statistic, so they tile exactly.
"""
from __future__ import annotations

import numpy as np

FORMS = ("additive", "lift")


def neighbourhood_mean(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The mean score of each pixel's 3 x 3 neighbourhood (itself included), over its valid
    pixels, with the edges of the array replicated (the scene's edges: inside a scene the
    array holds a margin of real neighbours)."""
    from scipy.ndimage import uniform_filter
    weights = valid.astype(np.float64)
    total = uniform_filter(np.where(valid, scores, 0.0), 3, mode="nearest")
    count = uniform_filter(weights, 3, mode="nearest")
    return np.where(count > 0, total / np.maximum(count, 1e-12), 0.0)


def blend(scores: np.ndarray, near: np.ndarray, strength: float, form: str) -> np.ndarray:
    """The filtered scores, given each pixel's neighbourhood mean ``near``."""
    if form == "additive":
        return scores + strength * near
    if form == "lift":
        return np.maximum(scores, (scores + strength * near) / (1.0 + strength))
    raise ValueError(f"unknown score filter form '{form}' (choose from {', '.join(FORMS)})")


def filtered(scores: np.ndarray, valid: np.ndarray, strength: float, form: str) -> np.ndarray:
    """``scores`` filtered with the given strength and form (unchanged for strength 0)."""
    if not strength:
        return scores
    return blend(scores, neighbourhood_mean(scores, valid), strength, form)

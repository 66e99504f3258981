"""Growing seed pixels into whole objects without spending more than a false-alarm budget.

A false-alarm rate allows ``budget`` flagged pixels in a score map. Spent on the highest scores
alone, that budget flags the brightest fragments of each target (two pixels of a plane, one of
a roof) and scatters the rest over background. Hysteresis spends it on outlines instead: the
highest-scoring pixels are *seeds*, and the seeds' objects take in their connected neighbours
down to one common lower score, the lowest at which every grown object together still fits the
budget, and never below a ``floor`` (a score only the scene's most unusual pixels reach). So the
mask never holds more pixels than the rate allows, and the flagged background cannot exceed the
promise, exactly as with the plain quantile; what changes is where the pixels go.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def grow_within_budget(scores: np.ndarray, seeds: np.ndarray, floor: float, budget: int,
                       structure: np.ndarray) -> tuple:
    """(mask, lowest score grown to or None) of ``seeds`` grown into their connected pixels
    at or above one common score, the lowest (not below ``floor``) at which the mask keeps at
    most ``budget`` pixels. ``scores``: (rows, cols) with -inf (or NaN) where invalid."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    if seeds.sum() >= budget or not seeds.any():
        return seeds.copy(), None
    # Every grown object lies inside a seed's component at the floor: work on their box only.
    region = _seed_components(scores >= floor, seeds, structure)
    box = _bounding_box(region)
    sub_scores, sub_seeds = scores[box], seeds[box]
    sub_region = region[box]
    candidates = np.unique(sub_scores[sub_region & ~sub_seeds])  # ascending
    lo, hi = 0, len(candidates)  # the lowest candidate whose grown mask fits; len: none fits
    while lo < hi:
        middle = (lo + hi) // 2
        size = int(_grown(sub_scores, sub_seeds, candidates[middle], structure).sum())
        if size <= budget:
            hi = middle
        else:
            lo = middle + 1
    mask = seeds.copy()
    if lo == len(candidates):
        return mask, None
    mask[box] = _grown(sub_scores, sub_seeds, candidates[lo], structure)
    return mask, float(candidates[lo])


def _grown(scores: np.ndarray, seeds: np.ndarray, low: float, structure: np.ndarray
           ) -> np.ndarray:
    """The seeds and every pixel at or above ``low`` connected to one."""
    return _seed_components((scores >= low) | seeds, seeds, structure)


def _seed_components(above: np.ndarray, seeds: np.ndarray, structure: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(above | seeds, structure=structure)
    if count == 0:
        return np.zeros_like(seeds)
    keep = np.zeros(count + 1, bool)
    keep[labels[seeds]] = True
    keep[0] = False
    return keep[labels]


def _bounding_box(mask: np.ndarray) -> tuple:
    rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
    r = np.flatnonzero(rows)
    c = np.flatnonzero(cols)
    return slice(r[0], r[-1] + 1), slice(c[0], c[-1] + 1)


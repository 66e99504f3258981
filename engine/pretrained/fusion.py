"""Scoring the enhanced scene: RX over linear combinations of [X, F_spe, F_spa].

The detector's fit pass accumulates one joint Gaussian over the per-pixel vector
``f = [X, F_spe, F_spa_ungated]`` (3 x grid bands). Every fusion is RX on ``A f`` for a fixed
matrix ``A``, so its mean and covariance follow exactly from the joint ones (``A mu``,
``A Sigma A^T``): all fusions are exact under tiling, and evaluation can compare them all from
one pass. The SE gates (scene-wide, from the mean of ungated F_spa) enter ``A`` as a diagonal.

* ``additive`` - RX(X + F_spe + F_spa), the paper's score for more than 50 bands;
* ``product``  - sqrt(RX(X + F_spa) * RX(X + F_spe)), the paper's few-band product fusion
  (a geometric mean: the same ranking as the product; the paper min-max scales each map
  first, which only shifts each map's zero to its minimum, near zero for RX);
* ``concat``   - RX([X, F_spe, F_spa]);
* ``spectral`` / ``spatial`` - one branch only, RX(X + F_spe) / RX(X + F_spa) (ablations);
* ``grid``     - RX(X) on the canonical grid (the control without networks).

The shipped detector scores ``additive``; the others are the ablations docs/model.md reports.
"""
from __future__ import annotations

import numpy as np

from ..statistics import covariance_rank, inverse_covariance, mahalanobis_squared


FUSIONS = ("additive", "product", "concat", "spectral", "spatial", "grid")


def combination(fusion: str, bands: int, gates: np.ndarray) -> list:
    """The matrices A (one, or two for the product) that a fusion scores with RX."""
    eye, zero = np.eye(bands), np.zeros((bands, bands))
    g = np.diag(np.asarray(gates, np.float64))
    with_spe = np.hstack([eye, eye, zero])
    with_spa = np.hstack([eye, zero, g])
    table = {"additive": [np.hstack([eye, eye, g])], "product": [with_spa, with_spe],
             "concat": [np.eye(3 * bands)], "spectral": [with_spe], "spatial": [with_spa],
             "grid": [np.hstack([eye, zero, zero])]}
    if fusion not in table:
        raise ValueError(f"unknown fusion '{fusion}' (choose from {', '.join(table)})")
    return table[fusion]


class FusionScorer:
    """RX of one fusion, from the joint mean and covariance of [X, F_spe, F_spa_ungated]."""

    def __init__(self, fusion: str, mean: np.ndarray, covariance: np.ndarray, gates: np.ndarray):
        bands = len(gates)
        self.fusion = fusion
        self._parts = []
        ranks = []
        for a in combination(fusion, bands, gates):
            fused = a @ covariance @ a.T
            self._parts.append((a, a @ mean, inverse_covariance(fused)))
            ranks.append(max(covariance_rank(fused), 1))
        # the typical score of a background pixel (for the product, the geometric mean's)
        self.degrees = float(np.sqrt(np.prod(ranks))) if len(ranks) > 1 else float(ranks[0])

    def fused(self, features: np.ndarray) -> np.ndarray:
        """(rows, cols, d) fused vectors ``A f`` of a one-matrix fusion (what its RX scores)."""
        if len(self._parts) != 1:
            raise ValueError(f"the '{self.fusion}' fusion is not one vector per pixel")
        rows, cols, k = features.shape
        a = self._parts[0][0]
        return (features.reshape(-1, k).astype(np.float64) @ a.T).reshape(rows, cols, -1)

    def score(self, features: np.ndarray) -> np.ndarray:
        """float32 (rows, cols) scores of (rows, cols, 3 x bands) features."""
        rows, cols, k = features.shape
        flat = features.reshape(-1, k).astype(np.float64)
        maps = [mahalanobis_squared(flat @ a.T, m, p) for a, m, p in self._parts]
        score = maps[0] if len(maps) == 1 else np.sqrt(np.prod(np.maximum(maps, 0.0), axis=0))
        return score.reshape(rows, cols).astype(np.float32)


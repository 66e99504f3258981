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

from typing import Optional

import numpy as np

from ...linalg import matmul
from ...statistics import PINV_RCOND


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
    """RX of one fusion, from the joint mean and covariance of [X, F_spe, F_spa_ungated].

    ``loading`` (delta) adds delta x the mean kept eigenvalue to the fused covariance before it
    is inverted: the low-variance directions, where estimation noise dominates, weigh less.
    Directions with no variance (eigenvalues below ``PINV_RCOND`` of the largest) are dropped
    as the pseudo-inverse drops them; ``degrees`` is the expected score of a fitted pixel,
    sum of l / (l + delta) over the kept eigenvalues l (their count without loading).
    """

    def __init__(self, fusion: str, mean: np.ndarray, covariance: np.ndarray, gates: np.ndarray,
                 loading: float = 0.0, matrices: Optional[list] = None):
        """``matrices``: the fusion's maps when the features are not [X, F_spe, F_spa] (the
        identity when they are the fused vectors themselves)."""
        bands = len(gates)
        self.fusion = fusion
        self._parts = []
        degrees = []
        for a in combination(fusion, bands, gates) if matrices is None else matrices:
            whiten, kept = loaded_whitening(a @ covariance @ a.T, loading)
            self._parts.append((a, a @ mean, whiten))
            degrees.append(max(kept, 1e-12))
        # the typical score of a background pixel (for the product, the geometric mean's)
        self.degrees = float(np.sqrt(np.prod(degrees))) if len(degrees) > 1 else float(degrees[0])

    def fused(self, features: np.ndarray) -> np.ndarray:
        """(rows, cols, d) fused vectors ``A f`` of a one-matrix fusion (what its RX scores)."""
        if len(self._parts) != 1:
            raise ValueError(f"the '{self.fusion}' fusion is not one vector per pixel")
        rows, cols, k = features.shape
        a = self._parts[0][0]
        return matmul(features.reshape(-1, k).astype(np.float64), a.T).reshape(rows, cols, -1)

    def whitened(self, features: np.ndarray) -> np.ndarray:
        """(rows, cols, d) float64 whitened fused vectors of a one-matrix fusion: their squared
        norm is its RX score."""
        if len(self._parts) != 1:
            raise ValueError(f"the '{self.fusion}' fusion is not one vector per pixel")
        rows, cols, k = features.shape
        a, mean, whiten = self._parts[0]
        flat = features.reshape(-1, k).astype(np.float64)
        return ((flat @ a.T - mean) @ whiten).reshape(rows, cols, -1)

    def score(self, features: np.ndarray) -> np.ndarray:
        """float64 (rows, cols) scores of (rows, cols, 3 x bands) features."""
        rows, cols, k = features.shape
        flat = features.reshape(-1, k).astype(np.float64)
        maps = []
        for a, mean, whiten in self._parts:
            whitened = matmul(matmul(flat, a.T) - mean, whiten)
            maps.append(np.einsum("ij,ij->i", whitened, whitened))
        score = maps[0] if len(maps) == 1 else np.sqrt(np.prod(np.maximum(maps, 0.0), axis=0))
        return score.reshape(rows, cols)


def loaded_whitening(covariance: np.ndarray, loading: float = 0.0) -> tuple:
    """(W, degrees): ||(x - mean) W||^2 is the RX of x under ``covariance`` loaded by
    ``loading`` x its mean kept eigenvalue; degrees = sum of l / (l + delta)."""
    values, vectors = np.linalg.eigh(covariance)
    keep = values > PINV_RCOND * max(values.max(initial=0.0), 0.0)
    kept = values[keep]
    delta = loading * float(kept.mean()) if kept.size else 0.0
    whiten = vectors[:, keep] / np.sqrt(kept + delta)
    return whiten, float(np.sum(kept / (kept + delta))) if kept.size else 0.0

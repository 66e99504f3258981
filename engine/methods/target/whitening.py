"""Whitening by the scene background: what ACE needs of a pixel, from one triangular product.

ACE compares the whitened pixel z = W (x - mu) with the whitened target direction u = W d (W'W
the pseudo-inverse of the covariance, as :func:`~hsad.engine.statistics.inverse_covariance`
means it): the projection u'z and the squared norm z'z come from the same z, so a block of
pixels costs one product instead of a Mahalanobis distance and a separate projection.

A full-rank covariance is factored (C = L L', W = L^-1) and a block is whitened by one float32
triangular product (BLAS trmm) on pixels centred in float64, as
:class:`~hsad.engine.statistics.MahalanobisScorer` does for RX; both sums are then taken in
float32 (their terms' rounding stays near 1e-7 of the cosine; the sum of squares has no
cancellation), within 1e-5 of the float64 scores on the labelled scenes. A rank-deficient
covariance is whitened by its kept eigenvectors, in float64, so directions without variance
count for nothing, exactly as with the pseudo-inverse.
"""
from __future__ import annotations

import numpy as np

from ...linalg import matmul
from ...statistics import PINV_RCOND, Buffer, WhiteningFactor


class Whitening:
    """z = W (x - mean) for blocks of pixels, and W v for one vector."""

    def __init__(self, mean: np.ndarray, covariance: np.ndarray, rcond: float = PINV_RCOND):
        self.mean = np.asarray(mean, np.float64)
        factor = WhiteningFactor(covariance, rcond)
        self.rank = factor.rank
        self._lower_inverse = factor.lower_inverse  # L^-1 (float64) of a full-rank covariance
        if self._lower_inverse is not None:
            self._lower_inverse32 = self._lower_inverse.astype(np.float32)
        self._whiten = factor.eigen_whiten  # (bands, rank) otherwise
        self._buffer = Buffer()

    def vector(self, v: np.ndarray) -> np.ndarray:
        """W v (float64) of one (bands,) vector (not centred)."""
        if self._lower_inverse is not None:
            return self._lower_inverse @ v
        return self._whiten.T @ v

    def project(self, pixels: np.ndarray, direction: np.ndarray) -> tuple:
        """(u'z, z'z), float64 (n,) each, of a (n, bands) block, for u = ``direction`` (W d,
        float64)."""
        if self._lower_inverse is not None:
            from scipy.linalg.blas import strmm
            centred = self._centred64(pixels).astype(np.float32)
            z = strmm(1.0, self._lower_inverse32, centred.T, lower=1, overwrite_b=1)  # (k, n)
            along = direction.astype(np.float32) @ z
            return along.astype(np.float64), np.einsum("ij,ij->j", z, z).astype(np.float64)
        z = matmul(self._centred64(pixels), self._whiten)  # (n, rank)
        return z @ direction, np.einsum("ij,ij->i", z, z)

    def _centred64(self, pixels: np.ndarray) -> np.ndarray:
        """x - mean in float64, in this thread's work array (a plain cast, then a float64
        subtraction: twice as fast as numpy's mixed float32 - float64 subtraction)."""
        work = self._buffer.take(pixels.shape)
        work[...] = pixels
        work -= self.mean
        return work

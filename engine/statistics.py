"""Streaming statistics: per-band summaries and the mean/covariance behind every RX score.

Both accumulate in float64 block by block, so a scene never has to fit in memory, and both
give the same numbers (to rounding) whatever the block size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

# Eigenvalues below this fraction of the largest are treated as zero when inverting a covariance.
PINV_RCOND = 1e-10


@dataclass
class BandStatistics:
    """Per-band summary of a scene's valid pixels (what fill values and normalisation use)."""

    count: int
    mean: np.ndarray
    std: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    sample: np.ndarray  # (n, bands) float32: a random sample of valid pixels for percentiles


class RandomSample:
    """A uniform random sample of at most ``size`` rows of a stream of blocks, in bounded memory.

    Every row gets a random key and the rows with the smallest keys are the sample (a reservoir
    by random keys), so the result does not depend on how the stream was cut into blocks.
    Memory stays below about five samples' worth whatever the length of the stream.
    """

    def __init__(self, size: int, seed: int = 0):
        self._size = size
        self._rng = np.random.default_rng(seed)
        self._keys: list = []
        self._rows: list = []
        self._held = 0

    def add(self, rows: np.ndarray) -> None:
        keys = self._rng.random(len(rows))
        take = np.argsort(keys)[: self._size]
        self._keys.append(keys[take])
        self._rows.append(rows[take])
        self._held += len(take)
        if self._held > 4 * self._size:
            self._shrink()

    def rows(self) -> Optional[np.ndarray]:
        """The sample (None when nothing was added)."""
        if not self._rows:
            return None
        self._shrink()
        return self._rows[0]

    def _shrink(self) -> None:
        keys = np.concatenate(self._keys)
        rows = np.concatenate(self._rows)
        take = np.argsort(keys)[: self._size]
        self._keys, self._rows, self._held = [keys[take]], [rows[take]], len(take)


class BandStatisticsAccumulator:
    """Accumulates :class:`BandStatistics` over blocks of (pixels, bands)."""

    def __init__(self, bands: int, sample_size: int = 20000, seed: int = 0):
        self._moments = GaussianAccumulator(bands, covariance=False)
        self._min = np.full(bands, np.inf)
        self._max = np.full(bands, -np.inf)
        self._sample = RandomSample(sample_size, seed)

    def add(self, pixels: np.ndarray) -> None:
        if len(pixels) == 0:
            return
        self._moments.add(pixels)
        self._min = np.minimum(self._min, pixels.min(axis=0))
        self._max = np.maximum(self._max, pixels.max(axis=0))
        self._sample.add(pixels.astype(np.float32))

    def result(self) -> BandStatistics:
        count = self._moments.count
        mean = self._moments.mean
        var = self._moments.variance
        sample = self._sample.rows()
        if sample is None:
            sample = np.zeros((0, len(self._min)), np.float32)
        return BandStatistics(count, mean, np.sqrt(np.maximum(var, 0.0)), self._min, self._max,
                              sample)


class GaussianAccumulator:
    """Mean and (N-1) covariance of pixel vectors, accumulated in float64 around a shift.

    Accumulating around the first block's mean (instead of zero) keeps the sums small, which
    avoids the cancellation that ruins sum-of-squares covariances of radiance-scaled data.
    """

    def __init__(self, dims: int, covariance: bool = True):
        self.dims = dims
        self.count = 0
        self._shift: Optional[np.ndarray] = None
        self._sum = np.zeros(dims)
        self._outer = np.zeros((dims, dims)) if covariance else None
        self._squares = np.zeros(dims)

    def add(self, pixels: np.ndarray) -> None:
        """Add a (n, dims) block of valid pixel vectors."""
        if len(pixels) == 0:
            return
        x = np.asarray(pixels, dtype=np.float64)
        if self._shift is None:
            self._shift = x.mean(axis=0)
        x = x - self._shift
        self.count += len(x)
        self._sum += x.sum(axis=0)
        self._squares += np.einsum("ij,ij->j", x, x)
        if self._outer is not None:
            self._outer += x.T @ x

    @property
    def mean(self) -> np.ndarray:
        if self.count == 0:
            return np.full(self.dims, np.nan)
        return self._shift + self._sum / self.count

    @property
    def variance(self) -> np.ndarray:
        if self.count < 2:
            return np.zeros(self.dims)
        centred = self._sum / self.count
        return (self._squares - self.count * centred ** 2) / (self.count - 1)

    @property
    def covariance(self) -> np.ndarray:
        if self._outer is None:
            raise ValueError("this accumulator keeps no covariance")
        if self.count < 2:
            return np.zeros((self.dims, self.dims))
        centred = self._sum / self.count
        return (self._outer - self.count * np.outer(centred, centred)) / (self.count - 1)


def inverse_covariance(covariance: np.ndarray, rcond: float = PINV_RCOND) -> np.ndarray:
    """Pseudo-inverse of a symmetric covariance; directions with no variance score zero."""
    return np.linalg.pinv(covariance, rcond=rcond, hermitian=True)


def covariance_rank(covariance: np.ndarray, rcond: float = PINV_RCOND) -> int:
    """Directions :func:`inverse_covariance` keeps: the mean RX score of the fitted pixels is
    exactly rank x (N - 1) / N, which makes RX maps of different dimension comparable."""
    eigenvalues = np.linalg.eigvalsh(covariance)
    return int((eigenvalues > rcond * max(eigenvalues.max(initial=0.0), 0.0)).sum())


def mahalanobis_squared(pixels: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """(x - mean)^T P (x - mean) for each row of a (n, dims) block, in float64."""
    centred = np.asarray(pixels, dtype=np.float64) - mean
    return np.einsum("ij,ij->i", centred @ precision, centred)

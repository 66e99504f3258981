"""Streaming statistics: per-band summaries and the mean/covariance behind every RX score.

Both accumulate in float64 block by block, so a scene never has to fit in memory, and both
give the same numbers (to rounding) whatever the block size. Speed comes from doing the
per-pixel arithmetic in the input's own float32 around a shift (a correctly rounded difference
keeps the full relative precision of what it is computing), and from the symmetric rank-k
BLAS update for covariances (half the multiplications of ``x.T @ x``); the sums themselves are
float64.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .linalg import matmul, products_path

# Pixels per step of the streaming moments (a few MB of centred float64 values).
MOMENTS_CHUNK = 4096
# Eigenvalues below this fraction of the largest are treated as zero when inverting a covariance.
PINV_RCOND = 1e-10


def valid_pixels(image: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(n, channels) of the valid pixels of a (rows, cols, channels) image; a view, not a
    copy, when every pixel is valid (the common case costs nothing)."""
    if valid.all():
        return image.reshape(-1, image.shape[-1])
    return image[valid]


@dataclass
class BandStatistics:
    """Per-band summary of a scene's valid pixels (what fill values and normalisation use)."""

    count: int
    mean: np.ndarray
    std: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray


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
        take = _smallest(keys, self._size)
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
        take = _smallest(keys, self._size)
        self._keys, self._rows, self._held = [keys[take]], [rows[take]], len(take)


def _smallest(keys: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` smallest keys, in no particular order (a partition, not a
    sort: the sample is a set)."""
    if len(keys) <= count:
        return np.arange(len(keys))
    return np.argpartition(keys, count)[:count]


class BandStatisticsAccumulator:
    """Accumulates :class:`BandStatistics` over blocks of (pixels, bands)."""

    def __init__(self, bands: int):
        self._moments = GaussianAccumulator(bands, covariance=False)
        self._min = np.full(bands, np.inf)
        self._max = np.full(bands, -np.inf)

    def add(self, pixels: np.ndarray) -> None:
        if len(pixels) == 0:
            return
        self._moments.add(pixels)
        self._min = np.minimum(self._min, pixels.min(axis=0))
        self._max = np.maximum(self._max, pixels.max(axis=0))

    def result(self) -> BandStatistics:
        var = self._moments.variance
        return BandStatistics(self._moments.count, self._moments.mean,
                              np.sqrt(np.maximum(var, 0.0)), self._min, self._max)


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
        self._buffer = Buffer()

    def add(self, pixels: np.ndarray) -> None:
        """Add a (n, dims) block of valid pixel vectors."""
        if len(pixels) == 0:
            return
        work = np.float32 if pixels.dtype == np.float32 and self._outer is None else np.float64
        if self._shift is None:  # a shift representable in the working precision
            self._shift = pixels.mean(axis=0, dtype=np.float64).astype(work).astype(np.float64)
        self.count += len(pixels)
        shift = self._shift.astype(work)
        for start in range(0, len(pixels), MOMENTS_CHUNK):
            self._add_chunk(pixels[start:start + MOMENTS_CHUNK], shift)

    def _add_chunk(self, pixels: np.ndarray, shift: np.ndarray) -> None:
        """A few thousand pixels: their centred copy is a few MB, reused, in cache while its
        sums are taken (a whole tile's would be fresh pages of memory every time)."""
        x = self._buffer.take(pixels.shape, shift.dtype)
        x[...] = pixels  # a plain cast, then one type: twice as fast as a mixed subtraction
        x -= shift
        if self._outer is None:  # per-band moments only: float32 is precise enough and fast
            self._sum += column_sums(x)
            self._squares += column_sums(np.square(x))
        else:
            self._sum += x.sum(axis=0)
            self._outer += gram(x)

    def merge(self, other: "GaussianAccumulator") -> None:
        """Add what ``other`` accumulated (another part of the same stream, on another thread),
        its sums moved from its shift to this one's."""
        if other.count == 0:
            return
        if self.count == 0:
            self._shift, self._sum, self.count = other._shift, other._sum.copy(), other.count
            self._squares = other._squares.copy()
            self._outer = None if other._outer is None else other._outer.copy()
            return
        delta = other._shift - self._shift  # other's pixels x - s' = (x - s) - delta
        moved = other._sum + other.count * delta
        if self._outer is not None:
            self._outer += other._outer + np.outer(other._sum, delta) + \
                np.outer(delta, other._sum) + other.count * np.outer(delta, delta)
        self._squares += other._squares + 2.0 * other._sum * delta + other.count * delta ** 2
        self._sum += moved
        self.count += other.count

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
        squares = self._squares if self._outer is None else np.diag(self._outer)
        return (squares - self.count * centred ** 2) / (self.count - 1)

    @property
    def covariance(self) -> np.ndarray:
        if self._outer is None:
            raise ValueError("this accumulator keeps no covariance")
        if self.count < 2:
            return np.zeros((self.dims, self.dims))
        centred = self._sum / self.count
        return (self._outer - self.count * np.outer(centred, centred)) / (self.count - 1)


# Rows summed in the values' own precision before the partial sums are added in float64.
PARTIAL_ROWS = 16


def column_sums(x: np.ndarray) -> np.ndarray:
    """float64 sums of the columns of a (n, dims) block: float32 values are summed
    ``PARTIAL_ROWS`` rows at a time in float32 (at most 16 roundings of those rows' sum;
    band means and deviations of the 11 labelled scenes within 2e-7 of float64's), then in
    float64 (band statistics of 512 x 512 x 200: 0.096 s -> 0.069 s)."""
    if x.dtype != np.float32 or len(x) < 2 * PARTIAL_ROWS:
        return x.sum(axis=0, dtype=np.float64)
    whole = len(x) - len(x) % PARTIAL_ROWS
    partial = x[:whole].reshape(-1, PARTIAL_ROWS, x.shape[1]).sum(axis=1)
    return partial.sum(axis=0, dtype=np.float64) + x[whole:].sum(axis=0, dtype=np.float64)


def gram(x: np.ndarray) -> np.ndarray:
    """x.T @ x for a (n, dims) float64 block, by the symmetric rank-k update (BLAS dsyrk):
    numpy's product of a matrix with its own transpose is one (without importing scipy, a
    tenth of a second); scipy's where numpy's BLAS is slow here (:mod:`.linalg`)."""
    x = np.asarray(x, np.float64)
    if products_path() == "numpy":
        return x.T @ x
    from scipy.linalg.blas import dsyrk
    upper = dsyrk(1.0, x.T, trans=0)  # the transpose: no copy
    return np.triu(upper) + np.triu(upper, 1).T


CHUNK_PIXELS = 16384  # pixels per chunk of per-pixel arithmetic (a few MB of temporaries)


def in_chunks(function, pixels: np.ndarray, size: int = CHUNK_PIXELS) -> np.ndarray:
    """``function`` (per-pixel: (n, k) -> (n, ...)) applied to ``size`` pixels at a time: its
    temporaries stay a few megabytes (and in cache) whatever the tile, which matters when
    several tiles are worked on at once."""
    if len(pixels) <= size:
        return function(pixels)
    first = function(pixels[:size])
    out = np.empty((len(pixels),) + first.shape[1:], first.dtype)
    out[:size] = first
    for start in range(size, len(pixels), size):
        out[start:start + size] = function(pixels[start:start + size])
    return out


class Buffer:
    """One work array reused block after block (fresh multi-megabyte arrays cost page faults,
    system time, on every block); one per thread, as tiles may be scored on several."""

    def __init__(self):
        self._local = threading.local()

    def take(self, shape: tuple, dtype=np.float64) -> np.ndarray:
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        array = getattr(self._local, "array", None)
        if array is None or array.size < size:
            array = self._local.array = np.empty(size, np.uint8)
        return array[:size].view(dtype).reshape(shape)


def inverse_covariance(covariance: np.ndarray, rcond: float = PINV_RCOND) -> np.ndarray:
    """Pseudo-inverse of a symmetric covariance; directions with no variance score zero."""
    return np.linalg.pinv(covariance, rcond=rcond, hermitian=True)


def covariance_rank(covariance: np.ndarray, rcond: float = PINV_RCOND) -> int:
    """Directions :func:`inverse_covariance` keeps: the mean RX score of the fitted pixels is
    exactly rank x (N - 1) / N, which makes RX maps of different dimension comparable."""
    eigenvalues = np.linalg.eigvalsh(covariance)
    return int((eigenvalues > rcond * max(eigenvalues.max(initial=0.0), 0.0)).sum())


class WhiteningFactor:
    """W with W'W the pseudo-inverse of a covariance (:func:`inverse_covariance`'s meaning),
    factored once for RX's distances and ACE's projections alike: L^-1 of the Cholesky factor
    (float64) when the covariance has full rank, otherwise its kept eigenvectors scaled,
    (bands, rank), so directions without variance count for nothing."""

    def __init__(self, covariance: np.ndarray, rcond: float = PINV_RCOND):
        values, vectors = np.linalg.eigh(covariance)
        keep = values > rcond * max(values.max(initial=0.0), 0.0)
        self.rank = int(keep.sum())
        self.lower_inverse: Optional[np.ndarray] = None
        self.eigen_whiten: Optional[np.ndarray] = None
        if self.rank == len(values):
            try:
                from scipy.linalg import solve_triangular
                lower = np.linalg.cholesky(covariance)
                self.lower_inverse = solve_triangular(lower, np.eye(len(values)), lower=True)
            except np.linalg.LinAlgError:
                self.lower_inverse = None
        if self.lower_inverse is None:
            self.eigen_whiten = vectors[:, keep] / np.sqrt(values[keep])


class MahalanobisScorer:
    """Squared Mahalanobis distances to a Gaussian, with :func:`inverse_covariance`'s meaning.

    A full-rank covariance is factored once (Cholesky, C = L L^T) and each block of pixels is
    scored by one triangular product, ||L^-1 (x - mean)||^2 (BLAS trmm): half the
    multiplications of ``(x - mean) P (x - mean)``. The product runs in float32 on pixels
    centred in float64 (so the centred values are exact to float32's relative precision
    whatever the data's offset), with the squares summed in float64: within 3e-5 of the
    float64 score on the 11 labelled scenes (covariance conditions up to 8e8;
    tests/engine/test_scores_match_a_plain_reference.py holds it to 1e-4), at half the time.
    A rank-deficient covariance (more bands than independent pixels, duplicated bands) is
    whitened by its kept eigenvectors instead, in float64, so directions without variance
    score zero, exactly as with the pseudo-inverse.
    """

    def __init__(self, mean: np.ndarray, covariance: np.ndarray, rcond: float = PINV_RCOND):
        self.mean = np.asarray(mean, np.float64)
        factor = WhiteningFactor(covariance, rcond)
        self.rank = factor.rank
        self._inverse_lower = None if factor.lower_inverse is None else \
            factor.lower_inverse.astype(np.float32)
        self._whiten = factor.eigen_whiten
        self._buffer = Buffer()

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        """(n,) float64 scores of a (n, dims) block."""
        return in_chunks(self._score, pixels)

    def _score(self, pixels: np.ndarray) -> np.ndarray:
        if self._inverse_lower is not None:
            from scipy.linalg.blas import strmm
            centred = self._buffer.take(pixels.shape, np.float32)
            np.subtract(pixels, self.mean, out=centred, casting="unsafe")  # computed in float64
            whitened = strmm(1.0, self._inverse_lower, centred.T, lower=1, overwrite_b=1)
            return np.einsum("ij,ij->j", whitened, whitened, dtype=np.float64)
        centred = self._buffer.take(pixels.shape)
        np.subtract(pixels, self.mean, out=centred, casting="unsafe")
        whitened = matmul(centred, self._whiten)
        return np.einsum("ij,ij->i", whitened, whitened)


class GaussianScorer:
    """A scene-wide Gaussian background over pixel vectors: accumulate, finish, then score each
    pixel by its squared Mahalanobis distance (global RX; twobranch's native term)."""

    def __init__(self):
        self._acc: Optional[GaussianAccumulator] = None
        self._scorer: Optional[MahalanobisScorer] = None
        self.rank = 0  # the expected score of a background pixel (degrees of freedom)

    def add(self, pixels: np.ndarray) -> None:
        """Add a (n, dims) block of valid pixel vectors."""
        if self._acc is None:
            self._acc = GaussianAccumulator(pixels.shape[-1])
        self._acc.add(pixels)

    def finish(self) -> None:
        self._scorer = MahalanobisScorer(self._acc.mean, self._acc.covariance)
        self.rank = max(self._scorer.rank, 1)

    def score(self, image: np.ndarray) -> np.ndarray:
        """float32 (rows, cols) scores of a (rows, cols, dims) image."""
        rows, cols, k = image.shape
        return self._scorer(image.reshape(-1, k)).reshape(rows, cols).astype(np.float32)


def mahalanobis_squared(pixels: np.ndarray, mean: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """(x - mean)^T P (x - mean) for each row of a (n, dims) block, in float64."""
    centred = np.asarray(pixels, dtype=np.float64) - mean
    return np.einsum("ij,ij->i", matmul(centred, precision), centred)

"""Local (dual-window) RX: each pixel against the background in a ring around it; the ``lrx``
method on the scene's bands, and twobranch's local term on its whitened features.

Definition (the per-pixel reference in the tests computes exactly this):

* the outer window is ``outer`` x ``outer`` pixels centred on the pixel, shifted inwards at the
  scene border so that it keeps its full size (as the ``spectral`` package does);
* the guard (inner) window is ``inner`` x ``inner`` centred on the pixel, clipped at the border;
* the background is every valid pixel in the outer window and not in the guard window; its mean
  and (N-1) covariance, plus diagonal loading of ``loading`` x trace / bands, give the squared
  Mahalanobis distance of the pixel. Fewer than two background pixels give no score (nodata).

Speed: the sums of x and x x^T over each window come from per-column running sums updated row by
row and slid along the row, so forming a covariance costs O(bands^2) per pixel instead of
O(window pixels x bands^2); the solves are batched over a row and spread over threads.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Diagonal loading, as a multiple of the mean eigenvalue (trace / bands) of each local covariance.
# A window of a few hundred pixels estimates a 200-band covariance poorly. Leave-one-scene-out
# cross-validation on the 11 real scenes over loadings up to 1 (shrinkage at most half-way to the
# identity) picks 1 on every fold: mean held-out AUC 0.919 against 0.875 at 1e-6. Larger loadings
# score a little higher on those scenes but ignore the covariance, and the shifted windows at the
# scene border then light up the edges (tests/engine/methods/lrx/test_local_rx.py); see
# docs/benchmarks.md.
DEFAULT_LOADING = 1.0


def window_ranges(n: int, size: int, shift: bool) -> tuple:
    """(start, stop) per position of a centred window of ``size`` over ``n`` positions."""
    half = size // 2
    pos = np.arange(n)
    if shift:
        start = np.clip(pos - half, 0, max(n - size, 0))
        stop = np.minimum(start + size, n)
    else:
        start = np.maximum(pos - half, 0)
        stop = np.minimum(pos + half + 1, n)
    return start, stop


def local_rx(cube: np.ndarray, valid: np.ndarray, inner: int, outer: int,
             loading: float = DEFAULT_LOADING, core: tuple = None, threads: int = 1,
             background: np.ndarray = None) -> np.ndarray:
    """float32 local RX scores of ``cube[core]`` (NaN where no background exists).

    ``background``: the pixels that may form a ring's background (default: the valid ones);
    every valid pixel is still scored against its ring.
    """
    rows, cols, k = cube.shape
    core = core or (slice(0, rows), slice(0, cols))
    out_rows = range(*core[0].indices(rows))
    out_cols = np.arange(*core[1].indices(cols))
    background = valid if background is None else background & valid
    own = np.where(valid[..., None], cube, 0.0).astype(np.float64)
    if valid.any():
        own -= np.where(valid[..., None], own[valid].mean(axis=0), 0.0)
    x = own if background is valid else np.where(background[..., None], own, 0.0)
    w = background.astype(np.float64)
    ranges = (window_ranges(rows, outer, True), window_ranges(cols, outer, True),
              window_ranges(rows, inner, False), window_ranges(cols, inner, False))
    scores = np.full((len(out_rows), len(out_cols)), np.nan, dtype=np.float32)
    chunks = np.array_split(np.arange(len(out_rows)), max(1, min(threads, len(out_rows))))

    def run(chunk):
        sweep = _RowSweep(x, w, ranges, out_cols, loading, own)
        for i in chunk:
            scores[i] = sweep.score_row(out_rows[i])

    with _single_threaded_blas():
        if len(chunks) == 1:
            run(chunks[0])
        else:
            with ThreadPoolExecutor(len(chunks)) as pool:
                list(pool.map(run, chunks))
    return scores


def _single_threaded_blas():
    """Our own threads share the cores; BLAS threads inside each would oversubscribe them."""
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        import contextlib
        return contextlib.nullcontext()


class _RowSweep:
    """Per-column window sums kept up to date as the sweep moves down the rows."""

    def __init__(self, x, w, ranges, out_cols, loading, own=None):
        self.x, self.w, self.loading = x, w, loading
        self.own = x if own is None else own  # the scored pixels (x: the background's)
        (self.o_r0, self.o_r1), (o_c0, o_c1), (self.i_r0, self.i_r1), (i_c0, i_c1) = ranges
        self.cols = out_cols
        self.o_c = (o_c0[out_cols], o_c1[out_cols])
        self.i_c = (i_c0[out_cols], i_c1[out_cols])
        width, k = x.shape[1], x.shape[2]
        self.outer = _ColumnSums(width, k)
        self.inner = _ColumnSums(width, k)
        self.cov = np.empty((len(out_cols), k, k))

    def score_row(self, r: int) -> np.ndarray:
        """Scores of one row: background sums from the running column sums, then batched solves.

        (n - 1) C = S - n m m^T is formed explicitly from data centred on the tile mean (float64),
        loaded on its diagonal, and solved once per pixel; the score is (n - 1) d^T y.
        """
        x, w, k = self.x, self.w, self.x.shape[2]
        self.outer.move_to(x, w, self.o_r0[r], self.o_r1[r])
        self.inner.move_to(x, w, self.i_r0[r], self.i_r1[r])
        n_out, s1_out = self.outer.first_order(*self.o_c)
        n_in, s1_in = self.inner.first_order(*self.i_c)
        n, s1 = n_out - n_in, s1_out - s1_in
        cov = self.cov
        self.outer.slide_second_order(*self.o_c, out=cov, subtract=False)
        self.inner.slide_second_order(*self.i_c, out=cov, subtract=True)
        result = np.full(len(self.cols), np.nan, dtype=np.float32)
        ok = n >= 2
        if not ok.any():
            return result
        n = np.where(ok, n, 2.0)
        mean = s1 / n[:, None]
        cov -= np.einsum("ci,cj->cij", n[:, None] * mean, mean)  # (n - 1) x covariance
        diagonal = cov.reshape(len(n), -1)[:, :: k + 1]
        diagonal += (self.loading * np.maximum(diagonal.mean(axis=1), 1e-300))[:, None]
        cov[~ok] = np.eye(k)
        d = self.own[r, self.cols] - mean
        try:
            y = np.linalg.solve(cov, d[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            return self._pinv_row(r, n, mean, ok)
        result[ok] = ((n - 1) * np.einsum("ci,ci->c", d, y))[ok]
        return result

    def _pinv_row(self, r, n, mean, ok) -> np.ndarray:
        """Slow path for a row with a singular background: recompute with pseudo-inverses."""
        x, k = self.x, self.x.shape[2]
        sums = self.cov
        self.outer.slide_second_order(*self.o_c, out=sums, subtract=False)
        self.inner.slide_second_order(*self.i_c, out=sums, subtract=True)
        result = np.full(len(self.cols), np.nan, dtype=np.float32)
        for j in np.flatnonzero(ok):
            cov = (sums[j] - n[j] * np.outer(mean[j], mean[j])) / (n[j] - 1)
            cov.flat[:: k + 1] += self.loading * max(np.trace(cov) / k, 1e-300)
            d = self.own[r, self.cols[j]] - mean[j]
            result[j] = d @ np.linalg.pinv(cov, hermitian=True) @ d
        return result


class _ColumnSums:
    """For each column: count, sum and sum of outer products of the rows in [top, bottom)."""

    def __init__(self, cols: int, k: int):
        self.top = self.bottom = 0
        self.n = np.zeros(cols)
        self.s1 = np.zeros((cols, k))
        self.s2 = np.zeros((cols, k, k))

    def move_to(self, x, w, top: int, bottom: int) -> None:
        """Make the sums cover rows [top, bottom), adding and removing only the rows that change."""
        if bottom <= self.top or top >= self.bottom:
            self.n[:] = 0
            self.s1[:] = 0
            self.s2[:] = 0
            self.top = self.bottom = top
        added = list(range(top, self.top)) + list(range(self.bottom, bottom))
        removed = list(range(self.top, top)) + list(range(bottom, self.bottom))
        self.top, self.bottom = top, bottom
        if not added and not removed:
            return
        signs = np.array([1.0] * len(added) + [-1.0] * len(removed))
        rows = x[added + removed]  # (m, cols, k)
        self.n += np.einsum("m,mc->c", signs, w[added + removed])
        self.s1 += np.einsum("m,mck->ck", signs, rows)
        left = (rows * signs[:, None, None]).transpose(1, 2, 0)  # (cols, k, m)
        self.s2 += np.matmul(left, rows.transpose(1, 0, 2))

    def first_order(self, c0: np.ndarray, c1: np.ndarray) -> tuple:
        """Counts and sums over columns [c0, c1) of each window."""
        cum_n = np.concatenate([[0.0], np.cumsum(self.n)])
        cum_s1 = np.concatenate([np.zeros((1, self.s1.shape[1])), np.cumsum(self.s1, axis=0)])
        return cum_n[c1] - cum_n[c0], cum_s1[c1] - cum_s1[c0]

    def slide_second_order(self, c0, c1, out, subtract: bool) -> None:
        """Write (or subtract) the outer-product sums over columns [c0, c1) of each window.

        Window bounds never decrease along a row, so one running sum slides across it.
        """
        running = self.s2[c0[0]:c1[0]].sum(axis=0)
        lo, hi = c0[0], c1[0]
        for j in range(len(c0)):
            for c in range(hi, c1[j]):
                running += self.s2[c]
            for c in range(lo, c0[j]):
                running -= self.s2[c]
            lo, hi = c0[j], c1[j]
            if subtract:
                out[j] -= running
            else:
                out[j] = running

"""The local term: how far a pixel stands from the background right around it.

Global RX measures each pixel against the whole scene, so a material that is rare in the scene
but forms whole fields, roofs or shorelines scores as high as a vehicle, and at one false alarm
in a thousand those few bright structures take the whole budget. Local RX (a ring of
background around each pixel) adapts to them, but a full covariance per pixel costs a solve
per pixel, and targets standing in groups enter each other's rings.

This term works in the fused space already whitened by the scene's covariance (the vectors the
global RX scores), so the global whitening carries the band correlations and the ring only
needs a mean and a variance per whitened direction:

    L(p) = sum_i (z_i(p) - m_i(p))^2 / (v_i(p) + loading x mean_i v_i(p)) / k

with m and v the mean and variance of the **background pixels** in the ring between a centred
``inner`` x ``inner`` guard window and an ``outer`` x ``outer`` window (clipped at the edges
of the array, which are the scene's edges: tiles carry enough halo), and k the dimensions.
Background pixels are the valid ones whose global score is below ``exclude_above`` (0: all
valid pixels): a pixel already far out in the scene's own statistics does not become the
background of its neighbours, so targets in a group do not mask each other. With fewer than two
background pixels in a ring, m = 0 and v = 1 (the scene's whitened background).

The ``full`` form replaces the per-direction variances by the ring's full covariance (the
engine's local RX, :mod:`..dual_window`: shifted outer window, loading x the mean
eigenvalue, the same background pixels; where a ring holds fewer than two of them, the
whitened norm over 1 + loading): a solve per pixel, several times the detector's time.

The score the detector reports blends the two geometrically, s^(1 - a) x L^a (``weight`` a):
a pixel must stand out both in the scene and from its surroundings. Everything reads a fixed
neighbourhood and scene-wide statistics fitted before the score pass, so it tiles exactly.
"""
from __future__ import annotations

import numpy as np

FORMS = ("diagonal", "full")


def box_sum(values: np.ndarray, size: int) -> np.ndarray:
    """Sums over the centred ``size`` x ``size`` window of each pixel of a (rows, cols[, ...])
    array, the window clipped at the array's edges (float64)."""
    from scipy.ndimage import uniform_filter
    sizes = (size, size) + (1,) * (values.ndim - 2)
    return uniform_filter(values.astype(np.float64), sizes, mode="constant") * float(size * size)


def local_score(whitened: np.ndarray, background: np.ndarray, inner: int, outer: int,
                loading: float, chunk: int = 8) -> np.ndarray:
    """L of every pixel of a (rows, cols, k) array of whitened vectors (float64 (rows, cols)).

    The ring sums run over ``chunk`` directions at a time in float64; what is kept across
    chunks (squared distances, variances) is float32, so a strip of a wide scene stays small.
    """
    rows, cols, k = whitened.shape
    weight = background.astype(np.float64)
    count = np.rint(box_sum(weight, outer) - box_sum(weight, inner))  # whole pixels
    enough = (count >= 2)[:, :, None]
    n = np.where(enough, count[:, :, None], 2.0)
    distance = np.empty((rows, cols, k), np.float32)
    variance = np.empty((rows, cols, k), np.float32)
    for start in range(0, k, chunk):
        part = whitened[:, :, start:start + chunk].astype(np.float64)
        x = np.where(background[:, :, None], part, 0.0)
        mean = (box_sum(x, outer) - box_sum(x, inner)) / n
        x *= x
        spread = np.maximum(box_sum(x, outer) - box_sum(x, inner) - n * mean * mean, 0.0)
        distance[:, :, start:start + chunk] = (part - np.where(enough, mean, 0.0)) ** 2
        variance[:, :, start:start + chunk] = np.where(enough, spread / (n - 1.0), 1.0)
    variance += loading * variance.mean(axis=2, keepdims=True) + np.float32(1e-12)
    return np.einsum("rck,rck->rc", distance, 1.0 / variance, dtype=np.float64) / k


def full_local_score(whitened: np.ndarray, background: np.ndarray, valid: np.ndarray,
                     inner: int, outer: int, loading: float) -> np.ndarray:
    """L with the ring's full covariance (float64 (rows, cols))."""
    from ..dual_window import local_rx
    k = whitened.shape[2]
    scores = local_rx(whitened, valid, inner, outer, loading, threads=1,
                      background=background).astype(np.float64)
    fallback = np.einsum("rck,rck->rc", whitened, whitened) / (1.0 + loading)
    return np.where(np.isfinite(scores), scores, fallback) / k


def reach(form: str, outer: int) -> int:
    """Pixels around a pixel whose vectors its local term reads (full: shifted windows)."""
    return outer - 1 if form == "full" else outer // 2


def blended(global_score: np.ndarray, local: np.ndarray, weight: float) -> np.ndarray:
    """s^(1 - a) x L^a: the global and the local score's geometric blend (a = ``weight``)."""
    if weight >= 1.0:
        return local
    return np.maximum(global_score, 0.0) ** (1.0 - weight) * local ** weight

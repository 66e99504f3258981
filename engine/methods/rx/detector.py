"""Global RX (Reed-Xiaoli): squared Mahalanobis distance to the scene's mean and covariance.

Streaming: the statistics pass accumulates mean and covariance in float64 strip by strip, the
score pass scores tile by tile, so a scene larger than memory works. A singular covariance
(more bands than independent pixels, duplicated bands) is inverted by pseudo-inverse:
eigenvalues below ``PINV_RCOND`` of the largest are dropped, so directions without variance
score zero.
"""
from __future__ import annotations

import numpy as np

from ...statistics import GaussianScorer
from ..base import Detector, TilePlan, Window


class GlobalRX(Detector):
    """RX on the scene's own bands."""

    name = "rx"
    label = "Global RX"
    summary = "Squared Mahalanobis distance to the scene mean and covariance (Reed-Xiaoli)"
    fits_band_covariance = True
    plan = TilePlan(parallel=True)  # the scorer's work arrays are per thread

    def __init__(self):
        self._scorer = GaussianScorer()

    def memory_bytes(self, info, tile_size: int) -> int:
        """The tile, a float64 copy of it, and a few bands x bands matrices."""
        return super().memory_bytes(info, tile_size) + 5 * info.bands ** 2 * 8

    def observe(self, pixels: np.ndarray) -> None:
        """The background is fitted during the statistics pass, from the valid pixels."""
        self._scorer.add(pixels)

    def finish_fit(self) -> None:
        self._scorer.finish()

    def score(self, window: Window) -> np.ndarray:
        return self._scorer.score(window.features[window.core])

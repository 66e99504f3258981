"""Per-scene scaling of grid spectra, from statistics the engine already streams.

Sensors deliver radiance integers, reflectance x 1e4 or 0-1 reflectance, so a network needs
each scene on one scale. Both modes use only exact whole-scene moments (per-band mean, std,
minimum, maximum), never tile-local numbers, so a tiled run sees the same inputs as an
untiled one.

* ``standard``: subtract the scene's mean spectrum (on the grid), divide by one scalar, the
  root mean square of the per-band standard deviations. Spectral shape is kept (one scalar for
  every band) and the result does not depend on the sensor's units.
* ``minmax``: the paper's preprocessing, one global minimum and maximum mapped to [-0.1, 0.1].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...linalg import matmul
from ...statistics import in_chunks

MODES = ("standard", "minmax")


@dataclass
class SceneScaling:
    """``(grid_spectra - offset) / scale``, per scene.

    Every grid band is a weighted mean of native bands (weights summing to one), so the offset
    can be taken off the native spectra first: ``grid`` centres in float32 (a correctly rounded
    difference keeps its full relative precision) and multiplies centred values, which is as
    precise as float64 on uncentred ones and several times faster.
    """

    offset: np.ndarray  # (grid bands,) float64
    scale: float
    native_offset: np.ndarray  # (native bands,) float64, with matrix @ native_offset = offset

    def apply(self, grid_spectra: np.ndarray) -> np.ndarray:
        return ((grid_spectra - self.offset) / self.scale).astype(np.float32)

    def grid(self, native_pixels: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """(n, grid bands) float32 scaled grid spectra of (n, native bands) pixels."""
        weights = np.ascontiguousarray(matrix.T / self.scale, dtype=np.float32)
        offset = self.native_offset.astype(np.float32)
        return in_chunks(lambda chunk: matmul(np.subtract(chunk, offset, dtype=np.float32),
                                              weights), native_pixels)


def scene_scaling(matrix: np.ndarray, band_mean: np.ndarray, band_std: np.ndarray,
                  band_min: np.ndarray, band_max: np.ndarray, mode: str = "standard") -> SceneScaling:
    """The scaling of one scene whose native bands map to the grid through ``matrix``."""
    if mode == "standard":
        native = np.asarray(band_mean, np.float64)
        scale = float(np.sqrt(np.mean(np.square(np.asarray(band_std, np.float64)))))
        return SceneScaling(matrix @ native, scale if scale > 0 else 1.0, native)
    if mode == "minmax":
        lo, hi = float(np.min(band_min)), float(np.max(band_max))
        span = hi - lo if hi > lo else 1.0
        # ((x - lo) / span * 2 - 1) * 0.1  ==  (x - (lo + span / 2)) / (span * 5)
        centre = lo + span / 2.0
        return SceneScaling(np.full(matrix.shape[0], centre), span * 5.0,
                            np.full(matrix.shape[1], centre))
    raise ValueError(f"unknown scaling mode '{mode}' (choose from {', '.join(MODES)})")

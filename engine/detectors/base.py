"""The detector interface every method implements, whatever it computes.

The pipeline drives a detector in up to three passes over a scene's tiles:

1. band statistics (always): the pipeline hands them to :meth:`Detector.prepare`;
2. fit (when ``needs_fit``): :meth:`features` of each tile, then :meth:`fit` on the tile core;
3. score: :meth:`features` again (or cached ones), then :meth:`score` on the tile core.

Higher scores mean more anomalous. ``halo`` is the context (pixels on each side) a tile needs so
that tiled and untiled runs agree.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Optional

import numpy as np

from ..scenes.scene import SceneInfo
from ..statistics import BandStatistics


class Detector(ABC):
    """An anomaly detector: features per pixel, optional scene-wide fit, a score per pixel."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    min_bands: ClassVar[int] = 2
    needs_fit: ClassVar[bool] = False
    expensive_features: ClassVar[bool] = False  # worth caching between the fit and score passes
    halo: int = 0

    def prepare(self, info: SceneInfo, stats: BandStatistics) -> None:
        """Learn what the scene looks like before any tile is seen (default: nothing)."""

    def input_note(self) -> str:
        """After :meth:`prepare`: how the detector sees the scene, for the log ('' = nothing)."""
        return ""

    def features(self, cube: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """(rows, cols, k) float32 per-pixel features of a tile; invalid pixels come pre-filled."""
        return cube

    def fit(self, features: np.ndarray, valid: np.ndarray) -> None:
        """Accumulate scene-wide statistics from a tile core's features (valid pixels only)."""

    def finish_fit(self) -> None:
        """Called once after the fit pass."""

    @abstractmethod
    def score(self, features: np.ndarray, valid: np.ndarray, core: tuple) -> np.ndarray:
        """float32 (core rows, core cols) scores of the tile core ``features[core]``."""

    @property
    def parameters(self) -> dict:
        """What the output's metadata records about how it was made."""
        return {}

    @property
    def model_version(self) -> Optional[str]:
        return None

    @property
    def device(self) -> str:
        return "cpu"

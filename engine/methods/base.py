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
    """An anomaly detector: features per pixel, optional scene-wide fit, a score per pixel.

    The class attributes are the one definition of a method: its name (CLI ``--method``,
    Processing's METHOD value), label, one-line summary, options (:mod:`.options`), whether it
    runs networks on a device, and :meth:`problem` (what keeps it from running here).
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one sentence for help texts
    options: ClassVar[tuple] = ()  # Option, ...
    uses_device: ClassVar[bool] = False  # takes --device (cpu, cuda, auto)
    min_bands: ClassVar[int] = 2
    needs_fit: ClassVar[bool] = False
    expensive_features: ClassVar[bool] = False  # worth caching between the fit and score passes
    fit_passes: int = 1  # fit passes over the scene (when needs_fit)
    # The fit needs only raw valid pixels (no features, no band statistics): it then happens
    # during the statistics pass, one read of the scene fewer.
    fits_during_statistics: ClassVar[bool] = False
    # Part of its fit needs only raw valid pixels (:meth:`fit_raw`, before :meth:`prepare`);
    # its fit passes follow as usual.
    fits_raw_pixels: bool = False
    # Its score pass needs the tile's pixels, not only the features kept from the fit pass
    # (False: a scene not kept in memory is not read a third time).
    score_reads_pixels: bool = True
    # features() and score_window() may run for several tiles at once on other threads while
    # fit_window() runs on this one (they read only what prepare() and finish_fit() set).
    parallel_tiles: bool = False
    # It fits one covariance over the scene's own bands, which needs more valid pixels than
    # bands (with fewer, every pixel scores the same): such scenes are refused up front.
    fits_band_covariance: ClassVar[bool] = False
    halo: int = 0  # context pixels each tile is read with, on every side
    edge_mode: str = ""  # "reflect": tiles are also extended past the scene edge by reflection
    tile_multiple: int = 1  # tile sides are rounded down to a multiple of this (block methods)
    strips: bool = True  # tiles may be full-width strips (False: its memory grows with width)
    score_margin: int = 0  # pixels around the core whose features the score of the core needs

    @classmethod
    def problem(cls) -> str:
        """'' when this method can run here; otherwise why not and how to fix it (one line)."""
        return ""

    @classmethod
    def quick_problem(cls) -> str:
        """:meth:`problem` as far as it is known without importing anything heavy (lists of
        methods are built when QGIS starts; importing PyTorch there would cost seconds)."""
        return cls.problem()

    @classmethod
    def check_options(cls, options: dict) -> None:
        """Raise a one-line HsadError for option values that cannot go together."""

    @classmethod
    def installed_model_version(cls, options: Optional[dict] = None) -> str:
        """The model version a run would record, without building the detector ('' if none)."""
        return ""

    def memory_bytes(self, info: SceneInfo, tile_size: int) -> int:
        """An upper estimate of the bytes this detector needs on a scene, before any pixel is
        read: one tile window on its way through reading and scoring (raw values, the float32
        cube, masks, features, float64 working copies: about 48 bytes per pixel and band)."""
        return tile_window_pixels(info, tile_size, self.halo, self.tile_multiple,
                                  self.strips) * info.bands * 48

    def prepare(self, info: SceneInfo, stats: BandStatistics) -> None:
        """Learn what the scene looks like before any tile is seen (default: nothing)."""

    def input_note(self) -> str:
        """After :meth:`prepare`: how the detector sees the scene, for the log ('' = nothing)."""
        return ""

    def features(self, cube: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """(rows, cols, k) float32 per-pixel features of a tile; invalid pixels come pre-filled."""
        return cube

    def fit_raw(self, cube: np.ndarray, valid: np.ndarray) -> None:
        """With ``fits_raw_pixels``: accumulate from a strip of the scene's own pixels during
        the statistics pass, before :meth:`prepare`."""

    def begin_pass(self, number: int) -> None:
        """Called before each fit pass (0, 1, ...; most detectors have one)."""

    def fit_window(self, cube: np.ndarray, features: np.ndarray, valid: np.ndarray,
                   core: tuple) -> None:
        """A fit pass's look at one tile: the window read (halo included), its features and the
        slices of its core. By default :meth:`fit` on the core's features; detectors that also
        need the pixels themselves, or the neighbourhood (block methods), override it."""
        self.fit(features[core], valid[core])

    def fit(self, features: np.ndarray, valid: np.ndarray) -> None:
        """Accumulate scene-wide statistics from a tile core's features (valid pixels only)."""

    def finish_fit(self) -> None:
        """Called once after the fit pass."""

    def score_window(self, cube: np.ndarray, features: np.ndarray, valid: np.ndarray,
                     core: tuple) -> np.ndarray:
        """Scores of a tile's core from its window (by default :meth:`score` on the features)."""
        return self.score(features, valid, core)

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


def tile_window_pixels(info: SceneInfo, tile_size: int, halo: int, multiple: int = 1,
                       strips: bool = True) -> int:
    """Pixels of the largest window the tile walker reads."""
    from ..tiling import tile_shape
    step_r, step_c = tile_shape(info.rows, info.cols, tile_size, halo, multiple, strips)
    return min(step_r + 2 * halo, info.rows) * min(step_c + 2 * halo, info.cols)
